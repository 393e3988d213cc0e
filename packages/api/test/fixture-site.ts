import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small web site on loopback for the crawler: linked pages (one loop back to the start), a page
 * robots.txt forbids, a redirect, an off-site link, a binary file and a page that links to itself.
 */
export interface FixtureSite {
  url: string;
  /** Paths requested, in order, to assert what the crawler fetched. */
  requested: string[];
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1>${body}</article></body></html>`;

const PAGES: Record<string, string> = {
  "/": page(
    "Coffee Help Center",
    `<p>Welcome to the help center of the Kyro coffee shop. Find answers about brewing and orders.</p>
     <a href="/brewing">Brewing</a> <a href="/orders#top">Orders</a> <a href="/private/staff">Staff</a>
     <a href="https://elsewhere.example/">Elsewhere</a> <a href="/old-page">Old</a> <a href="/logo.png">Logo</a>`,
  ),
  "/brewing": page(
    "Brewing guide",
    `<p>For pour over coffee use a ratio of one gram of coffee to sixteen grams of water at 94 degrees.</p>
     <a href="/">Home</a> <a href="/brewing/advanced">Advanced</a> <a href="/brewing">Self</a>`,
  ),
  "/brewing/advanced": page(
    "Advanced brewing",
    `<p>Bloom the grounds for thirty seconds before pouring the rest of the water slowly.</p><a href="/brewing/expert">Expert</a>`,
  ),
  "/brewing/expert": page("Expert brewing", "<p>Too deep for a depth-two crawl.</p>"),
  "/orders": page(
    "Orders",
    "<p>Orders placed before noon leave the roastery the same day. Track parcels from your account page.</p>",
  ),
  "/moved": page("Moved page", "<p>The refund window for beans is fourteen days after delivery.</p>"),
  "/private/staff": page("Staff only", "<p>The staff discount code is SECRET.</p>"),
};

export async function startFixtureSite(): Promise<FixtureSite> {
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    requested.push(path);
    if (path === "/robots.txt") {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("User-agent: *\nDisallow: /private/\n");
    }
    if (path === "/old-page") {
      res.writeHead(301, { location: "/moved" });
      return res.end();
    }
    if (path === "/logo.png") {
      res.writeHead(200, { "content-type": "image/png" });
      return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    }
    const html = PAGES[path];
    if (!html) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found");
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requested,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
