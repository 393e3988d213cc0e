import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let page: string;
let csp: string;

beforeAll(async () => {
  server = await startTestServer();
  const res = await fetch(`${server.url}/docs`);
  page = await res.text();
  csp = res.headers.get("content-security-policy") ?? "";
});
afterAll(async () => {
  await server?.close();
});

/** A request with the path exactly as written: fetch would normalise `..` and `%2e%2e` away. */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(server.url);
    const req = httpRequest({ host: target.hostname, port: target.port, path, method: "GET" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

const directive = (name: string) =>
  csp
    .split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${name} `));

describe("GET /docs", () => {
  it("is an HTML page with no external reference and no inline script", async () => {
    const res = await fetch(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/docs\/assets\/[\w.-]+"/);
      expect(body?.trim()).toBe("");
    }
    expect(page).not.toMatch(/<style\b|\sstyle=|\son\w+=/i);
  });

  it("has a CSP allowing this origin's scripts, styles and images (and data: images) only", () => {
    expect(directive("default-src")).toBe("default-src 'none'");
    expect(directive("script-src")).toBe("script-src 'self'");
    expect(directive("style-src")).toBe("style-src 'self'");
    expect(directive("img-src")).toBe("img-src 'self' data:");
    expect(directive("connect-src")).toBe("connect-src 'self'");
    expect(directive("frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);
  });

  it("leaves every other route on the strict API policy", async () => {
    for (const path of ["/health", "/api/openapi.json", "/api/v1/nowhere"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get("content-security-policy"), path).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
    }
  });

  it("serves each asset the page names with its content type", async () => {
    const references = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
    const expected: Record<string, string> = {
      "/docs/assets/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
      "/docs/assets/swagger-ui.css": "text/css; charset=utf-8",
      "/docs/assets/init.js": "text/javascript; charset=utf-8",
    };
    expect(references.sort()).toEqual(Object.keys(expected).sort());
    for (const [path, type] of Object.entries(expected)) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe(type);
      expect(res.headers.get("content-security-policy"), path).toBe(csp);
      expect((await res.arrayBuffer()).byteLength, path).toBeGreaterThan(0);
    }
    const bundle = await (await fetch(`${server.url}/docs/assets/swagger-ui-bundle.js`)).text();
    expect(bundle).toContain("SwaggerUIBundle");
    const init = await (await fetch(`${server.url}/docs/assets/init.js`)).text();
    expect(init).toContain('url: "/api/openapi.json"');
    expect(init).toContain("validatorUrl: null");
    expect(init).not.toMatch(/https?:\/\//);
  });

  it.each([
    "/docs/assets/../../package.json",
    "/docs/assets/..%2f..%2fpackage.json",
    "/docs/assets/%2e%2e/%2e%2e/package.json",
    "/docs/assets/%2e%2e%2fpackage.json",
    "/docs/assets/..\\package.json",
    "/docs/assets/package.json",
    "/docs/assets/index.html",
    "/docs/assets/swagger-ui-bundle.js.map",
    "/docs/assets/",
    "/docs/assets/constructor",
    "/docs/assets/__proto__",
    "/docs/assets//etc/passwd",
    "/docs/",
  ])("refuses %s with 404", async (path) => {
    expect(await rawGet(path)).toBe(404);
  });

  it("answers only GET and HEAD", async () => {
    expect((await fetch(`${server.url}/docs`, { method: "POST" })).status).toBe(404);
    const head = await fetch(`${server.url}/docs/assets/swagger-ui.css`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });
});
