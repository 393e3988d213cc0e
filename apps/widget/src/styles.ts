/**
 * The widget's stylesheet, inside its shadow root: the page's CSS cannot reach these elements and these
 * rules cannot reach the page. `:host { all: initial }` also stops the page's inherited properties
 * (font, colour, line height) at the boundary. Colours come from custom properties set from the
 * bot's settings (see theme in widget.ts).
 */
export const STYLES = `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:15px;line-height:1.4}
button,input,textarea{font:inherit;color:inherit}
:focus-visible{outline:3px solid var(--k-focus);outline-offset:2px}
.launcher,.panel{position:fixed;z-index:2147483000;bottom:20px;right:20px}
.left .launcher,.left .panel{right:auto;left:20px}
.launcher{border:0;border-radius:24px;padding:12px 18px;background:var(--k-primary);color:var(--k-on-primary);cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);font-weight:600}
.panel{bottom:84px;width:370px;height:min(560px,calc(100vh - 104px));display:flex;flex-direction:column;background:var(--k-bg);color:var(--k-text);border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}
.panel[hidden]{display:none}
header{display:flex;align-items:center;gap:10px;padding:12px 14px;background:var(--k-primary);color:var(--k-on-primary)}
header img{width:28px;height:28px;border-radius:6px;object-fit:cover}
header h2{flex:1;margin:0;font-size:16px;font-weight:600}
.icon{border:0;background:transparent;cursor:pointer;padding:4px 8px;border-radius:6px;color:inherit}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px;margin:0;list-style:none}
.msg{max-width:85%;padding:9px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}
.bot,.notice{align-self:flex-start;background:var(--k-bubble);color:var(--k-text);border:1px solid var(--k-line)}
.notice{font-style:italic}
.visitor{align-self:flex-end;background:var(--k-primary);color:var(--k-on-primary)}
.error{align-self:center;border:1px solid currentColor}
.rate{display:flex;gap:4px;margin-top:6px}
.rate button{border:1px solid var(--k-line);background:transparent;border-radius:6px;padding:2px 8px;cursor:pointer}
.rate button[aria-pressed=true]{background:var(--k-primary);color:var(--k-on-primary);border-color:var(--k-primary)}
form{display:flex;gap:8px;padding:10px;border-top:1px solid var(--k-line)}
form.lead{flex-direction:column}
form.lead[hidden]{display:none}
input,textarea{flex:1;min-width:0;border:1px solid var(--k-line);border-radius:8px;padding:8px 10px;background:var(--k-bg);resize:none}
.primary{border:0;border-radius:8px;padding:8px 14px;background:var(--k-primary);color:var(--k-on-primary);cursor:pointer;font-weight:600}
.primary:disabled{opacity:.6;cursor:default}
.links{display:flex;justify-content:space-between;padding:4px 12px 8px;font-size:13px}
.links button{border:0;background:transparent;text-decoration:underline;cursor:pointer;padding:2px;font-size:13px}
.links span{font-size:13px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.panel{inset:0;width:auto;height:auto;border-radius:0}.left .panel{left:0}}
@media (prefers-reduced-motion:no-preference){.launcher{transition:transform .15s}.launcher:hover{transform:translateY(-2px)}}
`;
