import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";

/**
 * Browser tests drive Debian's `chromium` package through playwright-core (Playwright's own browser
 * download needs network access CI does not have). `.ci/run` installs the package when it is missing.
 */
const CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

export function chromiumPath(): string {
  const found = CHROMIUM_PATHS.find((path) => existsSync(path));
  if (!found)
    throw new Error(`Chromium not found at ${CHROMIUM_PATHS.join(" or ")}: apt-get install -y chromium`);
  return found;
}

/** A headless Chromium; close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // The sandbox needs user namespaces, which CI containers (running as root) do not offer; the
    // pages loaded are the tests' own. /dev/shm is small in containers.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

export interface StaticSite {
  /** `http://127.0.0.1:<port>`: the page origin the browser sends. */
  origin: string;
  close(): Promise<void>;
}

/** Serves fixed HTML pages on loopback (`pages` maps a path to its HTML); anything else is a 404. */
export async function serveStaticPages(
  pages: (origin: string) => Record<string, string>,
): Promise<StaticSite> {
  let content: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const html = Object.hasOwn(content, req.url ?? "") ? content[req.url ?? ""] : undefined;
    res.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  content = pages(origin);
  return {
    origin,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
