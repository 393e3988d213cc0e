import { readConfig } from "./config";
import { mountWidget } from "./widget";

/**
 * Entry point of /widget.js. `document.currentScript` is only set while the script first runs, so the
 * tag is read now; mounting waits for <body> when the snippet sits in <head>.
 */
const script = document.currentScript;
if (script instanceof HTMLScriptElement) {
  const config = readConfig(script);
  if (typeof config === "string") throw new Error(`Kyro widget: ${config}`);
  const start = () => mountWidget(config);
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
}
