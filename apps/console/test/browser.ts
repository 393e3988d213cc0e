import { type Browser, chromium } from "playwright-core";

/** Debian's chromium (the bundled browser download cannot work offline). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** A headless Chromium; --no-sandbox because CI runs as root, where Chromium's sandbox refuses to start. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--no-sandbox"] });
}
