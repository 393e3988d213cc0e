import { createTestApp, type TestApp } from "@kyro/api/testing";
import { createLogger } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendJson } from "../src/http/envelope";
import type { RestRoute } from "../src/http/rest";
import { createHttpServer } from "../src/http/server";

/** A route that holds its response until the test releases it, so a request is in flight on demand. */
function gatedRoute() {
  let entered!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const route: RestRoute = {
    method: "GET",
    path: "/api/v1/slow",
    async handle({ res }) {
      entered();
      await gate;
      sendJson(res, 200, { done: true });
    },
  };
  return { route, inside, release };
}

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

function serve(route: RestRoute, logs: Record<string, unknown>[] = []) {
  return createHttpServer({
    runtime: app.runtime,
    logger: createLogger({
      level: "info",
      destination: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
    }),
    readiness: {},
    restRoutes: [route],
  });
}

describe("unexpected failures", () => {
  it("answer a generic 500 envelope and log the error with the request id", async () => {
    const logs: Record<string, unknown>[] = [];
    const http = serve(
      {
        method: "GET",
        path: "/api/v1/broken/{thing}",
        async handle({ params }) {
          throw new Error(`internal detail about ${params.thing}`);
        },
      },
      logs,
    );
    const url = await http.listen(0, "127.0.0.1");
    try {
      const res = await fetch(`${url}/api/v1/broken/db-password`, { headers: { "x-request-id": "boom" } });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: {
          code: "INTERNAL_SERVER_ERROR",
          message: "Internal server error",
          requestId: "boom",
          details: null,
        },
      });
      expect(text).not.toContain("db-password");
      expect(text).not.toContain("at ");
      const logged = logs.find((line) => line.msg === "request failed");
      expect(logged).toMatchObject({ level: 50, requestId: "boom", route: "/api/v1/broken/{thing}" });
      expect(JSON.stringify(logged)).toContain("internal detail about db-password");
    } finally {
      await http.close(1_000);
    }
  });
});

describe("graceful close", () => {
  it("stops accepting but lets an in-flight request finish", async () => {
    const slow = gatedRoute();
    const http = serve(slow.route);
    const url = await http.listen(0, "127.0.0.1");
    const inFlight = fetch(`${url}/api/v1/slow`);
    await slow.inside;

    let closed = false;
    const closing = http.close(30_000).then(() => {
      closed = true;
    });
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(closed).toBe(false);

    slow.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    // Answered while draining: the client is told the connection closes.
    expect(res.headers.get("connection")).toBe("close");
    await closing;
    expect(closed).toBe(true);
  });

  it("cuts requests still running when the grace period ends", async () => {
    const stuck = gatedRoute();
    const http = serve(stuck.route);
    const url = await http.listen(0, "127.0.0.1");
    const inFlight = fetch(`${url}/api/v1/slow`);
    await stuck.inside;
    await http.close(50);
    await expect(inFlight).rejects.toThrow();
    stuck.release();
  });
});
