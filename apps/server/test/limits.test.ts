import type { SeededApiKey, SeededOrg } from "@kyro/api/testing";
import { createLogger } from "@kyro/platform";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { createHttpServer } from "../src/http/server";
import { fetchMetrics, startTestServer, type TestServer } from "./server-harness";

const OPERATOR = "ops@example.test";
const trpcInput = (json: unknown) => encodeURIComponent(JSON.stringify({ json }));

let server: TestServer;
let operatorToken: string;
beforeAll(async () => {
  server = await startTestServer({ settings: { platformAdmins: [OPERATOR] } });
  operatorToken = (await server.app.seedUser({ email: OPERATOR })).accessToken;
});
afterAll(async () => {
  await server?.close();
});

// Per-minute limits count clock-aligned minutes: a test that crossed into the next minute would see its
// counts restart, so each starts with at least 8 s left in the current one.
beforeEach(async () => {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 52_000) await new Promise((resolve) => setTimeout(resolve, 60_050 - intoMinute));
}, 15_000);

async function orgWithKeyLimit(limit: number): Promise<{ org: SeededOrg; key: SeededApiKey }> {
  const org = await server.app.seedOrg();
  await server.app.caller(operatorToken).admin.orgs.setLimits({
    orgId: org.id,
    limits: { keyRequestsPerMinute: limit },
  });
  const key = await server.app.seedApiKey(org.id, { scopes: ["read:bots"] });
  return { org, key };
}

const restLimits = (base: string, key: string) =>
  fetch(`${base}/api/v1/limits`, { headers: { authorization: `Bearer ${key}` } });

function expectLimitHeaders(res: Response, remaining: number, limit: number) {
  expect(res.headers.get("ratelimit-policy")).toContain(`"key";q=${limit};w=60`);
  expect(res.headers.get("ratelimit-policy")).toContain('"org-requests-daily";q=');
  expect(res.headers.get("ratelimit")).toMatch(new RegExp(`"key";r=${remaining};t=\\d+`));
  expect(res.headers.get("x-ratelimit-limit")).toBe(String(limit));
  expect(res.headers.get("x-ratelimit-remaining")).toBe(String(remaining));
  const reset = Number(res.headers.get("x-ratelimit-reset"));
  expect(reset).toBeGreaterThan(Date.now() / 1000);
  expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
}

describe("REST", () => {
  it("GET /api/v1/limits answers with RateLimit headers, then 429 with the envelope and Retry-After", async () => {
    const { org, key } = await orgWithKeyLimit(2);
    const first = await restLimits(server.url, key.key);
    expect(first.status).toBe(200);
    const body = (await first.json()) as {
      orgId: string;
      caller: { id: string };
      limits: { keyRequestsPerMinute: number };
    };
    expect(body).toMatchObject({
      orgId: org.id,
      caller: { id: key.id },
      limits: { keyRequestsPerMinute: 2 },
    });
    expectLimitHeaders(first, 1, 2);
    expect(first.headers.get("retry-after")).toBeNull();
    expectLimitHeaders(await restLimits(server.url, key.key), 0, 2);

    const refused = await restLimits(server.url, key.key);
    expect(refused.status).toBe(429);
    const envelope = (await refused.json()) as { error: Record<string, unknown> };
    expect(envelope.error).toMatchObject({
      code: "RATE_LIMITED",
      requestId: refused.headers.get("x-request-id"),
      details: { limit: 2, remaining: 0, policy: "key", scope: "apiKey" },
    });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expectLimitHeaders(refused, 0, 2);

    const metrics = await (await fetchMetrics(server)).text();
    expect(metrics).toMatch(/kyro_rate_limit_blocks_total\{dimension="key"\} [1-9]/);
  });

  it("answers QUOTA_EXCEEDED once the org's daily request quota is spent", async () => {
    const org = await server.app.seedOrg();
    await server.app
      .caller(operatorToken)
      .admin.orgs.setLimits({ orgId: org.id, limits: { requestsPerDay: 1 } });
    const key = await server.app.seedApiKey(org.id, { scopes: ["admin:org"] });
    expect((await restLimits(server.url, key.key)).status).toBe(200);
    const refused = await restLimits(server.url, key.key);
    expect(refused.status).toBe(429);
    expect(
      ((await refused.json()) as { error: { code: string; details: { policy: string } } }).error,
    ).toMatchObject({
      code: "QUOTA_EXCEEDED",
      details: { policy: "org-requests-daily" },
    });
    expect(refused.headers.get("x-ratelimit-limit")).toBe("1");
    const metrics = await (await fetchMetrics(server)).text();
    expect(metrics).toMatch(/kyro_quota_blocks_total\{quota="requestsPerDay"\} [1-9]/);
  });
});

describe("tRPC", () => {
  it("sends the RateLimit headers on success and TOO_MANY_REQUESTS with the limit's code and details", async () => {
    const { org, key } = await orgWithKeyLimit(1);
    const call = () =>
      fetch(`${server.url}/trpc/limits.get?input=${trpcInput({ orgId: org.id })}`, {
        headers: { authorization: `Bearer ${key.key}` },
      });
    const ok = await call();
    expect(ok.status).toBe(200);
    expectLimitHeaders(ok, 0, 1);
    const refused = await call();
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as {
      error: { json: { data: { code: string; httpStatus: number; details: Record<string, unknown> } } };
    };
    expect(body.error.json.data).toMatchObject({
      code: "RATE_LIMITED",
      httpStatus: 429,
      details: { limit: 1, remaining: 0, policy: "key", scope: "apiKey" },
    });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expectLimitHeaders(refused, 0, 1);
  });

  it("limits anonymous calls per IP", async () => {
    const login = () =>
      fetch(`${server.url}/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { email: "nobody@example.test", password: "wrong-password-1" } }),
      });
    const res = await login();
    expect(res.status).toBe(401);
    expect(res.headers.get("ratelimit-policy")).toBe('"ip";q=600;w=60');
  });
});

describe.skipIf(!inject("redisUrl"))("two servers on one Postgres and Redis", () => {
  it("let through exactly the limit between them", async () => {
    const { key } = await orgWithKeyLimit(10);
    const peer = await server.app.peer();
    const second = createHttpServer({
      runtime: peer.runtime,
      logger: createLogger({ level: "silent" }),
      readiness: {},
    });
    const secondUrl = await second.listen(0, "127.0.0.1");
    try {
      const statuses = await Promise.all(
        Array.from({ length: 24 }, (_, index) => restLimits(index % 2 ? secondUrl : server.url, key.key)),
      ).then((responses) => responses.map((res) => res.status));
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(14);
    } finally {
      await second.close(1_000);
    }
  });
});
