import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/** /console over real HTTP, from a build folder shaped like Vite's output. */

let server: TestServer;
let unbuilt: TestServer;
let dir: string;
const INDEX = '<!doctype html><script type="module" src="/console/assets/index-AbC123.js"></script>';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kyro-console-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), INDEX);
  writeFileSync(join(dir, "assets", "index-AbC123.js"), "export {};\n");
  writeFileSync(join(dir, "assets", "index-AbC123.css"), "body{}\n");
  writeFileSync(join(dir, "widget-preview.html"), "<!doctype html><title>Preview</title>");
  [server, unbuilt] = await Promise.all([startTestServer({ consoleDir: dir }), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([server?.close(), unbuilt?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("/console", () => {
  it("answers index.html for the app's pages, revalidated every time, under a CSP without inline code", async () => {
    for (const path of [
      "/console",
      "/console/",
      "/console/orgs/0190/bots",
      "/console/verify-email?token=x",
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("lets only the console frame the widget preview page, whose widget styles are inline", async () => {
    const res = await fetch(`${server.url}/console/widget-preview.html`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-eval");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    const app = await fetch(`${server.url}/console/`);
    expect(app.headers.get("content-security-policy")).toContain("frame-src 'self'");
  });

  it("serves hashed assets as immutable, with their type", async () => {
    const js = await fetch(`${server.url}/console/assets/index-AbC123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const css = await fetch(`${server.url}/console/assets/index-AbC123.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers 404 for files the build does not have, and never reads outside it", async () => {
    for (const path of [
      "/console/assets/missing.js",
      "/console/package.json",
      "/console/..%2f..%2fpackage.json",
      "/console/assets/..%2findex.html.js",
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
    }
  });

  it("is only read: other methods do not reach it", async () => {
    const res = await fetch(`${server.url}/console`, { method: "POST" });
    expect(res.status).toBe(404);
  });

  it("says so when the console is not built", async () => {
    const res = await fetch(`${unbuilt.url}/console`);
    expect(res.status).toBe(404);
  });
});
