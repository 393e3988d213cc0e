/** What the snippet's `data-*` attributes configure (docs/widget.md#data-attributes). */
export interface WidgetConfig {
  botId: string;
  /** Where Kyro runs (the SDK adds `/api/v1/widget/...`). */
  baseUrl: string;
  identity: { userId: string; userHash: string } | undefined;
  /** Open the chat as soon as the page loads. */
  open: boolean;
}

/**
 * Reads the configuration from the snippet's script tag. `data-api-url` is the API root the preview
 * snippet gives (`https://kyro.example.com/api/v1`); without it the script's own origin is used.
 */
export function readConfig(script: HTMLScriptElement): WidgetConfig | string {
  const data = script.dataset;
  const botId = data.botId?.trim();
  if (!botId) return "data-bot-id is missing";
  const apiUrl = data.apiUrl?.trim() || new URL("/api/v1", script.src).href;
  const baseUrl = apiUrl.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  const { userId, userHash } = data;
  if ((userId === undefined) !== (userHash === undefined)) {
    return "data-user-id and data-user-hash go together";
  }
  return {
    botId,
    baseUrl,
    identity: userId !== undefined && userHash !== undefined ? { userId, userHash } : undefined,
    open: data.open === "true",
  };
}
