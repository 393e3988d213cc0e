import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchMetrics, startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("/health/ready", () => {
  it("is 200 when the database (and Redis, when configured) answer", async () => {
    const res = await fetch(`${server.url}/health/ready`);
    expect(res.status).toBe(200);
    const expected: Record<string, string> = { database: "ok" };
    if (server.app.deps.redis) expected.redis = "ok";
    expect(await res.json()).toEqual({ status: "ok", checks: expected });
  });

  it("is 503 naming the database when it is closed", async () => {
    const broken = await startTestServer();
    const user = await broken.app.seedUser();
    try {
      await broken.app.database.close();
      const res = await fetch(`${broken.url}/health/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe("unavailable");
      expect(body.checks.database).toMatch(/^failed: /);
      expect(res.headers.get("x-request-id")).toBeTruthy();
      // Liveness does not depend on the database.
      expect((await fetch(`${broken.url}/health`)).status).toBe(200);

      // A procedure that hits the closed database fails as a generic 500, logged with its request id.
      const me = await fetch(`${broken.url}/trpc/auth.me?input=${encodeURIComponent('{"json":{}}')}`, {
        headers: { authorization: `Bearer ${user.accessToken}`, "x-request-id": "db-down" },
      });
      expect(me.status).toBe(500);
      const error = (await me.json()) as {
        error: { json: { message: string; data: Record<string, unknown> } };
      };
      expect(error.error.json.message).toBe("Internal server error");
      expect(error.error.json.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", requestId: "db-down" });
      expect(broken.logs).toContainEqual(
        expect.objectContaining({ level: 50, msg: "tRPC procedure failed", requestId: "db-down" }),
      );
    } finally {
      await broken.http.close(1_000);
      broken.app.deps.redis?.disconnect();
    }
  });
});

describe("/metrics", () => {
  it("counts requests by route template, never by raw URL", async () => {
    await fetch(`${server.url}/health`);
    await fetch(`${server.url}/api/v1/secret-path-${Date.now()}`);
    await fetch(`${server.url}/trpc/auth.me?input=${encodeURIComponent('{"json":{}}')}`);
    await fetch(`${server.url}/trpc/no.such.procedure-${Date.now()}`);
    const res = await fetchMetrics(server);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE kyro_http_requests_total counter");
    expect(text).toMatch(/kyro_http_requests_total\{route="\/health",method="GET",status="200"\} \d+/);
    expect(text).toMatch(/kyro_http_requests_total\{route="\/trpc\/auth\.me",method="GET",status="401"\} 1/);
    expect(text).toMatch(/kyro_http_requests_total\{route="unmatched",method="GET",status="404"\} 2/);
    expect(text).toMatch(/kyro_http_request_duration_seconds_bucket\{le="[^"]+",route="\/health"/);
    expect(text).not.toContain("secret-path");
    expect(text).not.toContain("no.such.procedure");
  });
});
