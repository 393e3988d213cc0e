import { type IncomingHttpHeaders, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/http/body";
import { accessLogFor, startTestServer, type TestServer } from "./server-harness";

const CONSOLE_ORIGIN = "https://console.example.test";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ corsOrigins: [CONSOLE_ORIGIN] });
});
afterAll(async () => {
  await server?.close();
});

const trpcInput = (json: unknown) => encodeURIComponent(JSON.stringify({ json }));
const oversizedJson = () =>
  JSON.stringify({ json: { email: "a@b.test", password: "x".repeat(MAX_BODY_BYTES) } });

/** A body sent without Content-Length (chunked), so the limit must be enforced while reading. */
function chunkedBody(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

/** A request whose target goes out exactly as written: fetch would normalize the dot segments first. */
function rawRequest(
  method: string,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers }, (res) => {
      res.resume();
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.once("error", reject);
    req.end();
  });
}

interface Envelope {
  error: { code: string; message: string; requestId: string; details: unknown };
}

describe("request ids", () => {
  it("echoes a sane incoming X-Request-Id", async () => {
    const res = await fetch(`${server.url}/health`, { headers: { "x-request-id": "edge-1.abc_DEF-9" } });
    expect(res.headers.get("x-request-id")).toBe("edge-1.abc_DEF-9");
  });

  it.each([
    ["too long", "a".repeat(129)],
    ["forbidden characters", "id with spaces"],
    ["a log-forging attempt", 'x"}\\n{"level":60'],
  ])("replaces an id that is %s with a UUID", async (_, incoming) => {
    const res = await fetch(`${server.url}/health`, { headers: { "x-request-id": incoming } });
    expect(res.headers.get("x-request-id")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it("generates a distinct id per request when none is sent", async () => {
    const [a, b] = await Promise.all([fetch(`${server.url}/health`), fetch(`${server.url}/health`)]);
    expect(a.headers.get("x-request-id")).toBeTruthy();
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
  });

  it("puts the request id in error envelopes and tRPC errors", async () => {
    const rest = await fetch(`${server.url}/api/v1/nothing-here`, {
      headers: { "x-request-id": "rest-404" },
    });
    expect(((await rest.json()) as Envelope).error.requestId).toBe("rest-404");
    const trpc = await fetch(`${server.url}/trpc/auth.me?input=${trpcInput({})}`, {
      headers: { "x-request-id": "trpc-401" },
    });
    const body = (await trpc.json()) as { error: { json: { data: { requestId: string } } } };
    expect(trpc.headers.get("x-request-id")).toBe("trpc-401");
    expect(body.error.json.data.requestId).toBe("trpc-401");
  });
});

describe("security headers", () => {
  it.each([
    ["/health", "GET"],
    ["/api/v1/unknown", "GET"],
    ["/nowhere", "GET"],
    [`/trpc/auth.me?input=${trpcInput({})}`, "GET"],
  ])("are on %s", async (path, method) => {
    const res = await fetch(`${server.url}${path}`, { method });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
  });
});

describe("response headers", () => {
  it("come once each, the handler's own replacing the server's", async () => {
    const trpc = await fetch(`${server.url}/trpc/auth.me?input=${trpcInput({})}`, {
      headers: { origin: CONSOLE_ORIGIN },
    });
    expect(trpc.headers.get("vary")).toBe("trpc-accept, accept, Origin");
    expect(trpc.headers.get("access-control-allow-origin")).toBe(CONSOLE_ORIGIN);
    expect(trpc.headers.get("x-frame-options")).toBe("DENY");
    expect(trpc.headers.get("content-type")).toBe("application/json");
    const rest = await fetch(`${server.url}/api/v1/unknown`, { headers: { "x-request-id": "once" } });
    expect(rest.headers.get("x-request-id")).toBe("once");
    expect(rest.headers.get("vary")).toBe("Origin");
    expect(rest.headers.get("cache-control")).toBe("no-store");
    expect(rest.headers.get("content-length")).toBe(String((await rest.arrayBuffer()).byteLength));
  });

  it("are added to answers whose handler set its headers one by one (tRPC's own adapter)", async () => {
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: CONSOLE_ORIGIN, "x-request-id": "adapter" },
      body: JSON.stringify({ json: { email: "not-an-email" } }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-request-id")).toBe("adapter");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-allow-origin")).toBe(CONSOLE_ORIGIN);
    expect(res.headers.get("vary")).toBe("trpc-accept, accept, Origin");
  });
});

describe("CORS", () => {
  it("allows a configured origin with credentials, on tRPC and REST", async () => {
    for (const path of [`/trpc/auth.me?input=${trpcInput({})}`, "/health"]) {
      const res = await fetch(`${server.url}${path}`, { headers: { origin: CONSOLE_ORIGIN } });
      expect(res.headers.get("access-control-allow-origin")).toBe(CONSOLE_ORIGIN);
      expect(res.headers.get("access-control-allow-credentials")).toBe("true");
      expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
      expect(res.headers.get("vary")).toMatch(/origin/i);
    }
  });

  it("gives another origin no CORS headers", async () => {
    const res = await fetch(`${server.url}/trpc/auth.me?input=${trpcInput({})}`, {
      headers: { origin: "https://evil.example.test" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("answers a preflight from a configured origin", async () => {
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: "OPTIONS",
      headers: {
        origin: CONSOLE_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-request-id, trpc-accept",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(CONSOLE_ORIGIN);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining(["authorization", "content-type", "x-request-id", "trpc-accept"]),
    );
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("opens the public widget routes to any page origin, without credentials", async () => {
    const page = "https://shop.customer.example.test";
    const bot = "00000000-0000-7000-8000-000000000000";
    const preflight = await fetch(`${server.url}/api/v1/widget/${bot}/sessions`, {
      method: "OPTIONS",
      headers: {
        origin: page,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(page);
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, POST");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    // The procedure still judges the origin (this bot does not exist); CORS only lets the page read why.
    const res = await fetch(`${server.url}/api/v1/widget/sessions/${bot}/messages`, {
      headers: { origin: page },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe(page);
    expect(res.headers.get("access-control-expose-headers")).toContain("ratelimit");
    // Member routes under /widget stay closed to foreign origins.
    const settings = await fetch(`${server.url}/api/v1/widget/defaults`, { headers: { origin: page } });
    expect(settings.headers.get("access-control-allow-origin")).toBeNull();
  });

  const page = "https://shop.customer.example.test";
  const conversation = "00000000-0000-7000-8000-000000000000";
  // Each target is routed by its normalized path (WHATWG URL parsing), and its CORS mode must come from
  // that same path: a spelling that merely starts like a widget route earns nothing.
  it.each([
    ["/api/v1/widget/sessions/../../../../trpc/auth.me", 401],
    ["/api/v1/widget/sessions/%2e%2e/%2E%2E/%2e%2e/%2e%2e/trpc/auth.me", 401],
    ["/api/v1/widget/sessions/.%2e/%2e./.%2E/../trpc/auth.me", 401],
    ["/api/v1/widget/sessions\\..\\..\\..\\..\\trpc\\auth.me", 401],
    ["/api/v1/widget/messages/../../me", 401],
    [`/api/v1/widget/${conversation}/sessions/../../defaults`, 401],
    [`//api/v1/widget/sessions/${conversation}/messages`, 404],
    [`/api/v1/widget/sessions/x/../../../../../trpc/auth.me?next=/api/v1/widget/sessions/`, 401],
  ])(
    "gives %s (not a widget route once normalized) no CORS headers for a page origin",
    async (target, status) => {
      for (const method of ["GET", "OPTIONS"]) {
        const res = await rawRequest(method, target, {
          origin: page,
          ...(method === "OPTIONS" ? { "access-control-request-method": "POST" } : {}),
        });
        expect(res.status).toBe(method === "OPTIONS" ? 204 : status);
        expect(res.headers["access-control-allow-origin"]).toBeUndefined();
        expect(res.headers["access-control-allow-methods"]).toBeUndefined();
      }
    },
  );

  it.each([
    `/api/v1/bots/../widget/sessions/${conversation}/messages`,
    `/api/v1/widget/./sessions/${conversation}/messages`,
    `/api/v1/widget/messages/%2e%2e/sessions/${conversation}/messages`,
  ])("gives %s (a widget route once normalized) the widget's CORS, as routing does", async (target) => {
    const res = await rawRequest("GET", target, { origin: page });
    // The widget route itself answers: no session token.
    expect(res.status).toBe(401);
    expect(res.headers["access-control-allow-origin"]).toBe(page);
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("answers a preflight from another origin without CORS headers", async () => {
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.test", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-methods")).toBeNull();
    expect(res.headers.get("access-control-allow-headers")).toBeNull();
  });
});

describe("request bodies", () => {
  it("refuses a tRPC body over 1 MiB with 413", async () => {
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "big-trpc" },
      body: oversizedJson(),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { json: { data: { code: string } } } };
    expect(body.error.json.data.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("refuses a chunked tRPC body once it passes 1 MiB", async () => {
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunkedBody(oversizedJson()),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it("refuses a REST body over 1 MiB with the 413 envelope", async () => {
    const res = await fetch(`${server.url}/api/v1/anything`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "big-rest" },
      body: oversizedJson(),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: {
        code: "PAYLOAD_TOO_LARGE",
        message: expect.stringContaining("exceeds"),
        requestId: "big-rest",
        details: { limitBytes: MAX_BODY_BYTES },
      },
    });
  });

  it("refuses a chunked REST body once it passes 1 MiB", async () => {
    const res = await fetch(`${server.url}/api/v1/anything`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunkedBody(oversizedJson()),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Envelope).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers malformed JSON with 400 on REST", async () => {
    const res = await fetch(`${server.url}/api/v1/anything`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "bad-json" },
      body: '{"json": {',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: "BAD_REQUEST",
        message: "Malformed JSON body",
        requestId: "bad-json",
        details: { issues: [{ path: "", code: "invalid_json", message: "Malformed JSON body" }] },
      },
    });
  });

  it("answers malformed JSON with 400 on tRPC", async () => {
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"json": {',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { json: { data: { code: string } } } };
    expect(body.error.json.data.code).toBe("BAD_REQUEST");
  });

  it("accepts a body just under the limit on tRPC (validation, not size, rejects it)", async () => {
    const padding = "x".repeat(MAX_BODY_BYTES - 200);
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email: "a@b.test", password: padding } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { json: { data: { code: string } } } };
    expect(body.error.json.data.code).toBe("BAD_REQUEST");
  });
});

describe("routing", () => {
  it.each([
    ["GET", "/api/v1/unknown"],
    ["GET", "/api/v1"],
    ["GET", "/"],
    ["GET", "/favicon.ico"],
    ["POST", "/health"],
  ])("%s %s is a 404 envelope", async (method, path) => {
    const res = await fetch(`${server.url}${path}`, { method });
    expect(res.status).toBe(404);
    const body = (await res.json()) as Envelope;
    expect(body.error).toEqual({
      code: "NOT_FOUND",
      message: "Route not found",
      requestId: res.headers.get("x-request-id"),
      details: { resource: "Route" },
    });
  });

  it("answers a known REST path asked with another method with 405 and Allow", async () => {
    const res = await fetch(`${server.url}/api/v1/audit-events/export`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    const body = (await res.json()) as Envelope;
    expect(body.error).toEqual({
      code: "METHOD_NOT_ALLOWED",
      message: "This path answers GET",
      requestId: res.headers.get("x-request-id"),
      details: { allow: ["GET"] },
    });
  });

  it("answers an unknown tRPC procedure with 404", async () => {
    const res = await fetch(`${server.url}/trpc/nope.nothing?input=${trpcInput({})}`);
    expect(res.status).toBe(404);
  });

  it("serves liveness", async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("tRPC over HTTP", () => {
  it("answers an anonymous auth.me with 401, data.code and data.requestId", async () => {
    const res = await fetch(`${server.url}/trpc/auth.me?input=${trpcInput({})}`, {
      headers: { "x-request-id": "me-anon" },
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as {
      error: { json: { message: string; data: Record<string, unknown> } };
    };
    expect(body.error.json.data).toMatchObject({
      code: "UNAUTHORIZED",
      httpStatus: 401,
      requestId: "me-anon",
    });
    expect(JSON.stringify(body)).not.toMatch(/stack|\.ts:\d+/);
  });

  it("round-trips an authenticated query and logs who made it", async () => {
    const user = await server.app.seedUser();
    const res = await fetch(`${server.url}/trpc/auth.me?input=${trpcInput({})}`, {
      headers: { authorization: `Bearer ${user.accessToken}`, "x-request-id": "me-signed-in" },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      result: { data: { json: { user: { id: string; email: string } } } };
    };
    expect(body.result.data.json.user).toMatchObject({ id: user.id, email: user.email });
    const line = await accessLogFor(server, "me-signed-in");
    expect(line).toMatchObject({ method: "GET", route: "/trpc/auth.me", status: 200, userId: user.id });
    expect(typeof line.durationMs).toBe("number");
  });

  it("logs the org of an org-scoped call, and never the token", async () => {
    const org = await server.app.seedOrg();
    const res = await fetch(`${server.url}/trpc/audit.list?input=${trpcInput({ orgId: org.id })}`, {
      headers: { authorization: `Bearer ${org.admin.accessToken}`, "x-request-id": "audit-list" },
    });
    expect(res.status).toBe(200);
    expect(await accessLogFor(server, "audit-list")).toMatchObject({
      route: "/trpc/audit.list",
      status: 200,
      userId: org.admin.id,
      orgId: org.id,
    });
    expect(JSON.stringify(server.logs)).not.toContain(org.admin.accessToken);
  });

  it("runs mutations through HTTP with superjson (sign up, follow the mailed link, log in)", async () => {
    const email = `http-${Date.now()}@example.test`;
    const password = "a long enough passphrase 42!";
    const post = (path: string, input: unknown) =>
      fetch(`${server.url}/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: input }),
      });
    const signup = await post("auth.signup", { email, password, name: "Http" });
    expect(signup.status).toBe(200);
    expect(await signup.json()).toEqual({
      result: { data: { json: { verificationRequired: true, email } } },
    });

    const mail = server.app.mailer.sent.find((message) => message.to === email);
    const token = /verify-email\?token=(\S+)/.exec(mail?.text ?? "")?.[1];
    const verified = await post("auth.verifyEmail", { token: decodeURIComponent(token ?? ""), password });
    expect(verified.status).toBe(200);

    const login = await post("auth.login", { email, password });
    expect(login.status).toBe(200);
    const body = (await login.json()) as {
      result: { data: { json: { accessToken: string; user: { email: string } } } };
    };
    expect(body.result.data.json.user.email).toBe(email);
    expect(body.result.data.json.accessToken).toEqual(expect.any(String));
    expect(JSON.stringify(server.logs)).not.toContain(token);
  });
});
