import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppHandle, startApp } from "../src/app";
import { loadConfig } from "../src/config";
import { createMetricsListener, type MetricsListener } from "../src/http/metrics-route";
import { startTestServer, TEST_METRICS_TOKEN, type TestServer } from "./server-harness";

const TOKEN = TEST_METRICS_TOKEN;
const silent = createLogger({ level: "silent" });

let withToken: TestServer;
let withoutToken: TestServer;
beforeAll(async () => {
  [withToken, withoutToken] = await Promise.all([
    startTestServer(),
    startTestServer({ metricsToken: undefined }),
  ]);
});
afterAll(async () => {
  await Promise.all([withToken?.close(), withoutToken?.close()]);
});

const authorizations: [string, Record<string, string>][] = [
  ["no Authorization header", {}],
  ["another token", { authorization: `Bearer ${"x".repeat(TOKEN.length)}` }],
  ["the token less its last character", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
  ["the token and one more character", { authorization: `Bearer ${TOKEN}x` }],
  ["the token without a scheme", { authorization: TOKEN }],
  [
    "the token as Basic credentials",
    { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` },
  ],
  ["the token and a second word", { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
  ["an empty bearer", { authorization: "Bearer " }],
];

describe("/metrics on the API port", () => {
  it("is not served when no metrics token is configured", async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
      const res = await fetch(`${withoutToken.url}/metrics`, { headers });
      expect(res.status).toBe(404);
      const body = await res.text();
      expect(JSON.parse(body)).toMatchObject({ error: { code: "NOT_FOUND" } });
      expect(body).not.toContain("kyro_");
    }
  });

  it.each(authorizations)("refuses %s with 401 and no metrics", async (_label, headers) => {
    const res = await fetch(`${withToken.url}/metrics`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    expect(body).not.toContain("kyro_");
  });

  it("serves the Prometheus text to the configured bearer token (scheme in any case)", async () => {
    await fetch(`${withToken.url}/health`);
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const res = await fetch(`${withToken.url}/metrics`, {
        headers: { authorization: `${scheme} ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(await res.text()).toMatch(
        /kyro_http_requests_total\{route="\/health",method="GET",status="200"\}/,
      );
    }
  });

  it("answers only GET and HEAD", async () => {
    const post = await fetch(`${withToken.url}/metrics`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(post.status).toBe(404);
    const head = await fetch(`${withToken.url}/metrics`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(head.status).toBe(200);
  });
});

describe("the metrics listener (KYRO_METRICS_PORT)", () => {
  const listeners: MetricsListener[] = [];
  afterAll(async () => {
    await Promise.all(listeners.map((listener) => listener.close()));
  });
  async function listen(token?: string): Promise<string> {
    const listener = createMetricsListener({
      source: withoutToken.http.metricsSource,
      token,
      logger: silent,
    });
    listeners.push(listener);
    return listener.listen(0, "127.0.0.1");
  }

  it("serves the API's metrics without a token when none is configured, and nothing else", async () => {
    const url = await listen();
    await fetch(`${withoutToken.url}/health`);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/kyro_http_requests_total\{route="\/health",method="GET",status="200"\}/);
    // The limit refusals of the procedures, from their own registry.
    expect(text).toContain("kyro_rate_limit_blocks_total");
    for (const [method, path] of [
      ["GET", "/health"],
      ["GET", "/metrics/x"],
      ["GET", "/trpc/auth.me"],
      ["POST", "/metrics"],
    ] as const) {
      const other = await fetch(`${url}${path}`, { method });
      expect(other.status, `${method} ${path}`).toBe(404);
      expect(await other.text()).not.toContain("kyro_");
    }
  });

  it("asks for the token when one is configured", async () => {
    const url = await listen(TOKEN);
    for (const [label, headers] of authorizations) {
      const res = await fetch(`${url}/metrics`, { headers });
      expect(res.status, label).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await res.text()).not.toContain("kyro_");
    }
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("kyro_http_requests_total");
  });
});

describe("startApp with KYRO_METRICS_PORT", () => {
  const dataDirs: string[] = [];
  const apps: AppHandle[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  function config(env: Record<string, string>) {
    const dataDir = mkdtempSync(join(tmpdir(), "kyro-metrics-"));
    dataDirs.push(dataDir);
    return loadConfig({
      KYRO_DATA_DIR: dataDir,
      KYRO_SECRET: randomBytes(32).toString("hex"),
      PORT: "0",
      KYRO_METRICS_PORT: "0",
      ...env,
    });
  }

  it("serves the API's metrics on their own port, the token guarding both ports", async () => {
    const app = await startApp(config({ KYRO_METRICS_TOKEN: TOKEN }), { logger: silent });
    apps.push(app);
    expect(app.metricsUrl).not.toBe(app.url);
    await fetch(`${app.url}/health`);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const base of [app.url, app.metricsUrl]) {
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const res = await fetch(`${base}/metrics`, { headers: bearer });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/kyro_http_requests_total\{route="\/health"/);
    }
  });

  it("gives a worker (no HTTP API) a metrics port with the process metrics", async () => {
    const app = await startApp(config({}), { logger: silent, role: "worker" });
    apps.push(app);
    expect(app.url).toBeNull();
    const res = await fetch(`${app.metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("kyro_process_cpu_user_seconds_total");
  });

  it("opens no metrics port by default", async () => {
    const app = await startApp(config({ KYRO_METRICS_PORT: "" }), { logger: silent, role: "api" });
    apps.push(app);
    expect(app.metricsUrl).toBeNull();
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
  });
});
