import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request } from "node:http";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let built: Buffer;

beforeAll(async () => {
  server = await startTestServer();
  built = await readFile(createRequire(import.meta.url).resolve("@kyro/widget/widget.js"));
});
afterAll(async () => {
  await server?.close();
});

describe("the widget script", () => {
  it("serves the build at /widget.js, briefly cached, loadable from any page, with its pinned URL", async () => {
    const res = await fetch(`${server.url}/widget.js`, { headers: { origin: "https://shop.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(Buffer.from(await res.arrayBuffer())).toEqual(built);
    const integrity = `sha384-${createHash("sha384").update(built).digest("base64")}`;
    expect(res.headers.get("kyro-widget-integrity")).toBe(integrity);
    const pinned = /^<(\/widget\/[0-9a-f]{20}\.js)>; rel="canonical"$/.exec(
      res.headers.get("link") ?? "",
    )?.[1];
    expect(pinned).toBeDefined();

    const versioned = await fetch(`${server.url}${pinned}`);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(Buffer.from(await versioned.arrayBuffer())).toEqual(built);
  });

  it("answers a matching If-None-Match with 304 and gzip to clients that accept it", async () => {
    const first = await fetch(`${server.url}/widget.js`);
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{20}"$/);
    const again = await fetch(`${server.url}/widget.js`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");

    // fetch() would decompress on its own: node:http hands over the bytes as sent.
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(`${server.url}/widget.js`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
        );
      })
        .on("error", reject)
        .end();
    });
    expect(raw.encoding).toBe("gzip");
    expect(gunzipSync(raw.body)).toEqual(built);
  });

  it("answers HEAD without a body, and 404 to other builds and other methods", async () => {
    const head = await fetch(`${server.url}/widget.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const stale = await fetch(`${server.url}/widget/0123456789abcdef0123.js`);
    expect(stale.status).toBe(404);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    expect((await fetch(`${server.url}/widget.js`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${server.url}/widget/other.js`)).status).toBe(404);
  });
});
