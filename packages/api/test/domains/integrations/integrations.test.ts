import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { auditEvents, eq, integrations } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;
let server: Server;
let base: string;
let port: number;
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

const API_KEY = "sk_live_0123456789abcdefWXYZ";
const TOKEN = "tok_abcdefghijklmnop1234";
const PASSWORD = "correct-horse-staple-9876";

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    if (req.url?.startsWith("/broken")) res.writeHead(500).end("no");
    else if (req.url?.startsWith("/moved")) res.writeHead(301, { location: "https://example.com/" }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  app = await createTestApp({ settings: { outboundAllowCidrs: ["127.0.0.0/8"] } });
  org = await app.seedOrg("Integrations");
  neighbour = await app.seedOrg("Integrations Neighbour");
});
afterAll(async () => {
  await app?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const admin = () => app.caller(org.admin.accessToken).integrations;
let counter = 0;
const uniqueName = (label: string) => `${label} ${++counter}`;

async function storedRow(id: string) {
  const [row] = await app.database.db.select().from(integrations).where(eq(integrations.id, id));
  return row;
}

describe("integrations.create / list / get", () => {
  it("stores credentials encrypted and never returns them in clear", async () => {
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("CRM"),
      baseUrl: `${base}/api`,
      auth: { type: "apiKey", headerName: "X-Api-Key", key: API_KEY },
    });
    expect(integration.auth).toEqual({
      type: "apiKey",
      headerName: "X-Api-Key",
      username: null,
      secretLast4: "WXYZ",
    });
    expect(integration.health).toEqual({
      status: "unknown",
      checkedAt: null,
      httpStatus: null,
      latencyMs: null,
      error: null,
    });
    expect(JSON.stringify(integration)).not.toContain(API_KEY);
    const row = await storedRow(integration.id);
    expect(row?.secretCiphertext).toMatch(/^v1\.k1\./);
    expect(row?.secretCiphertext).not.toContain(API_KEY);
    expect(
      app.deps.encryption.decrypt(row?.secretCiphertext ?? "", `integration:${integration.id}:credential`),
    ).toBe(API_KEY);

    const listed = await admin().list({ orgId: org.id });
    expect(listed.items.map((item) => item.id)).toContain(integration.id);
    expect(JSON.stringify(listed)).not.toContain(API_KEY);
    const fetched = await admin().get({ orgId: org.id, integrationId: integration.id });
    expect(fetched.integration).toEqual(integration);

    const audit = await app.database.db
      .select({ action: auditEvents.action, diff: auditEvents.diff })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, integration.id));
    expect(audit.map((entry) => entry.action)).toEqual(["integration.create"]);
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
    expect(JSON.stringify(audit)).not.toContain("WXYZ");
  });

  it("masks short secrets completely and keeps a basic user name visible", async () => {
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("Basic"),
      baseUrl: base,
      auth: { type: "basic", username: "robot", password: "short-pw" },
    });
    expect(integration.auth).toEqual({
      type: "basic",
      headerName: null,
      username: "robot",
      secretLast4: null,
    });
  });

  it.each([
    ["https://10.0.0.8/api", "private"],
    ["https://169.254.169.254/latest", "metadata"],
    ["https://localhost/api", "local"],
    ["http://example.com/", "https is required"],
    // Refused by the declared pattern (core/formats.ts) before the outbound rules run.
    ["https://[::1]/", "Use an http:// or https:// URL"],
    ["ftp://example.com/", "Use an http:// or https:// URL"],
    ["not a url", "Use an http:// or https:// URL"],
  ])("refuses the base URL %s", async (baseUrl, reason) => {
    const failure = await failureOf(
      admin().create({ orgId: org.id, name: uniqueName("Bad"), baseUrl, auth: { type: "none" } }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    expect(JSON.stringify([failure.message, failure.details])).toContain(reason);
  });

  it("refuses a duplicate name in the org but allows it in another org", async () => {
    const name = uniqueName("Dup");
    await admin().create({ orgId: org.id, name, baseUrl: base, auth: { type: "none" } });
    const failure = await failureOf(
      admin().create({ orgId: org.id, name, baseUrl: base, auth: { type: "none" } }),
    );
    expect(failure.code).toBe("CONFLICT");
    await app
      .caller(neighbour.owner.accessToken)
      .integrations.create({ orgId: neighbour.id, name, baseUrl: base, auth: { type: "none" } });
  });

  it("refuses header injection in credentials", async () => {
    const failure = await failureOf(
      admin().create({
        orgId: org.id,
        name: uniqueName("Inject"),
        baseUrl: base,
        auth: { type: "bearer", token: "abc\r\nX-Evil: 1" },
      }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
  });
});

describe("integrations.update", () => {
  it("replaces credentials, resets health and audits without secrets", async () => {
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("Rotating"),
      baseUrl: base,
      auth: { type: "bearer", token: TOKEN },
    });
    await admin().test({ orgId: org.id, integrationId: integration.id });
    const renamed = await admin().update({
      orgId: org.id,
      integrationId: integration.id,
      name: uniqueName("Renamed"),
    });
    expect(renamed.integration.health.status).toBe("healthy");
    const updated = await admin().update({
      orgId: org.id,
      integrationId: integration.id,
      auth: { type: "basic", username: "svc", password: PASSWORD },
    });
    expect(updated.integration.auth).toEqual({
      type: "basic",
      headerName: null,
      username: "svc",
      secretLast4: "9876",
    });
    expect(updated.integration.health.status).toBe("unknown");
    const audit = await app.database.db
      .select({ diff: auditEvents.diff })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, integration.id));
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it("checks a new base URL and changes nothing when it is refused", async () => {
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("Stay"),
      baseUrl: base,
      auth: { type: "none" },
    });
    const failure = await failureOf(
      admin().update({ orgId: org.id, integrationId: integration.id, baseUrl: "https://192.168.1.1/" }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    expect((await storedRow(integration.id))?.baseUrl).toBe(base);
  });
});

describe("integrations.test", () => {
  it("sends the API key header and records a healthy result", async () => {
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("Healthy"),
      baseUrl: `${base}/v1/`,
      auth: { type: "apiKey", headerName: "X-Api-Key", key: API_KEY },
    });
    const { result, integration: after } = await admin().test({
      orgId: org.id,
      integrationId: integration.id,
      path: "/health",
    });
    expect(result).toMatchObject({ ok: true, httpStatus: 200, error: null });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(after.health).toMatchObject({ status: "healthy", httpStatus: 200, error: null });
    expect(after.health.checkedAt).toBeInstanceOf(Date);
    const request = seen.at(-1);
    expect(request?.url).toBe("/v1/health");
    expect(request?.headers["x-api-key"]).toBe(API_KEY);
    const listed = await admin().list({ orgId: org.id });
    expect(listed.items.find((item) => item.id === integration.id)?.health.status).toBe("healthy");
  });

  it("applies bearer and basic auth", async () => {
    const bearer = await admin().create({
      orgId: org.id,
      name: uniqueName("Bearer"),
      baseUrl: base,
      auth: { type: "bearer", token: TOKEN },
    });
    await admin().test({ orgId: org.id, integrationId: bearer.integration.id });
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const basic = await admin().create({
      orgId: org.id,
      name: uniqueName("Basic auth"),
      baseUrl: base,
      auth: { type: "basic", username: "svc", password: PASSWORD },
    });
    await admin().test({ orgId: org.id, integrationId: basic.integration.id });
    expect(seen.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from(`svc:${PASSWORD}`).toString("base64")}`,
    );
  });

  it("records an HTTP error as failing, and a redirect (not followed) as healthy", async () => {
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("Broken"),
      baseUrl: base,
      auth: { type: "none" },
    });
    const broken = await admin().test({ orgId: org.id, integrationId: integration.id, path: "/broken" });
    expect(broken.result).toMatchObject({ ok: false, httpStatus: 500, error: "HTTP 500" });
    expect(broken.integration.health.status).toBe("failing");
    const before = seen.length;
    const moved = await admin().test({ orgId: org.id, integrationId: integration.id, path: "/moved" });
    expect(moved.result).toMatchObject({ ok: true, httpStatus: 301 });
    expect(seen.length).toBe(before + 1);
  });

  it("records a connection failure", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("Gone"),
      baseUrl: `http://127.0.0.1:${closedPort}`,
      auth: { type: "none" },
    });
    const { result, integration: after } = await admin().test({
      orgId: org.id,
      integrationId: integration.id,
    });
    expect(result).toMatchObject({ ok: false, httpStatus: null });
    expect(result.error).toMatch(/^connect: /);
    expect(after.health).toMatchObject({ status: "failing", error: result.error });
  });

  it("keeps the test request on the integration's host whatever the path holds", async () => {
    const { integration } = await admin().create({
      orgId: org.id,
      name: uniqueName("Escape"),
      baseUrl: base,
      auth: { type: "none" },
    });
    for (const path of ["//example.com/steal", "/@example.com/", "/\\example.com/"]) {
      const before = seen.length;
      const { result } = await admin().test({ orgId: org.id, integrationId: integration.id, path });
      expect(result.ok).toBe(true);
      expect(seen.length).toBe(before + 1);
    }
    const failure = await failureOf(
      admin().test({ orgId: org.id, integrationId: integration.id, path: "/a b" }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
  });
});

describe("SSRF refusals recorded on the integration", () => {
  let strict: TestApp;
  let strictOrg: SeededOrg;
  beforeAll(async () => {
    strict = await createTestApp();
    strictOrg = await strict.seedOrg("Strict");
  });
  afterAll(() => strict?.close());

  // Rows written directly: a host that passed the create-time check can still resolve inward later.
  it.each([
    ["a DNS name resolving to loopback", () => `http://localhost:${port}/`],
    ["an IPv4-mapped loopback literal", () => `http://[::ffff:127.0.0.1]:${port}/`],
    ["a decimal loopback literal", () => `http://2130706433:${port}/`],
  ])("refuses %s and records it", async (_label, url) => {
    const [row] = await strict.database.db
      .insert(integrations)
      .values({ orgId: strictOrg.id, name: uniqueName("Inward"), baseUrl: url(), authType: "none" })
      .returning({ id: integrations.id });
    const before = seen.length;
    const { result, integration } = await strict
      .caller(strictOrg.admin.accessToken)
      .integrations.test({ orgId: strictOrg.id, integrationId: row?.id ?? "" });
    expect(seen.length).toBe(before);
    expect(result).toMatchObject({ ok: false, httpStatus: null });
    expect(result.error).toMatch(/^refused: .*(local|loopback)/);
    expect(integration.health).toMatchObject({ status: "failing", error: result.error });
  });
});

describe("integrations authorization", () => {
  let foreignId: string;
  beforeAll(async () => {
    const created = await app.caller(neighbour.owner.accessToken).integrations.create({
      orgId: neighbour.id,
      name: uniqueName("Foreign"),
      baseUrl: base,
      auth: { type: "none" },
    });
    foreignId = created.integration.id;
  });

  it("answers 404 for another org's integration id", async () => {
    for (const call of [
      () => admin().get({ orgId: org.id, integrationId: foreignId }),
      () => admin().update({ orgId: org.id, integrationId: foreignId, name: "Stolen" }),
      () => admin().test({ orgId: org.id, integrationId: foreignId }),
    ]) {
      expect((await failureOf(call())).code).toBe("NOT_FOUND");
    }
    expect((await storedRow(foreignId))?.name).not.toBe("Stolen");
  });

  it("refuses viewers and agents (403) and anonymous callers (401)", async () => {
    for (const token of [org.viewer.accessToken, org.agent.accessToken]) {
      const failure = await failureOf(
        app
          .caller(token)
          .integrations.create({ orgId: org.id, name: "x", baseUrl: base, auth: { type: "none" } }),
      );
      expect(failure.code).toBe("FORBIDDEN");
      expect((await failureOf(app.caller(token).integrations.list({ orgId: org.id }))).code).toBe(
        "FORBIDDEN",
      );
    }
    expect((await failureOf(app.caller().integrations.list({ orgId: org.id }))).code).toBe("UNAUTHORIZED");
  });

  it("lets an admin:org key manage integrations and refuses narrower keys", async () => {
    const adminKey = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const listed = await app.caller(adminKey.key).integrations.list({ orgId: org.id });
    expect(listed.items.length).toBeGreaterThan(0);
    const readKey = await app.seedApiKey(org.id, { scopes: ["read:bots", "write:bots"] });
    expect((await failureOf(app.caller(readKey.key).integrations.list({ orgId: org.id }))).code).toBe(
      "FORBIDDEN",
    );
  });
});
