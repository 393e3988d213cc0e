import type { KyroWidgetSessionInfo } from "@kyro/sdk/widget";
import { longHex, readableOn } from "./colors";

export type Appearance = KyroWidgetSessionInfo["settings"];

/** The built-in defaults (the server's), shown until the session brings the bot's own settings. */
export const DEFAULT_APPEARANCE: Appearance = {
  primaryColor: "#2563eb",
  backgroundColor: "#ffffff",
  textColor: "#111827",
  logoUrl: null,
  position: "bottom-right",
  launcherText: "Chat with us",
  hidePoweredBy: false,
};

/** The custom properties the stylesheet reads, every text colour checked against its background. */
export function themeOf(appearance: Appearance): Record<string, string> {
  const background = appearance.backgroundColor;
  const text = longHex(readableOn(background, appearance.textColor));
  return {
    "--k-primary": appearance.primaryColor,
    "--k-on-primary": readableOn(appearance.primaryColor),
    "--k-bg": background,
    "--k-bubble": background,
    "--k-text": text,
    "--k-line": `${text}66`,
    "--k-focus": text,
  };
}
