import { randomUUID } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessLogFor, startTestServer, type TestServer } from "./server-harness";

interface Envelope {
  error: { code: string; message: string; requestId: string; details: Record<string, unknown> | null };
}
interface AuditPageJson {
  items: {
    orgId: string;
    action: string;
    actor: { type: string; id: string | null; label: string | null };
  }[];
  nextCursor: string | null;
}

let server: TestServer;
let org: SeededOrg;
let other: SeededOrg;
/** Created through `apiKeys.create` by the owner, as a partner would get it. */
let adminKey: { id: string; key: string; name: string };
let botsOnlyKey: string;
let otherOrgKey: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Keyed");
  other = await server.app.seedOrg("Other Keyed");
  const created = await server.app.caller(org.owner.accessToken).apiKeys.create({
    orgId: org.id,
    name: "Partner sync",
    scopes: ["admin:org"],
  });
  adminKey = { id: created.apiKey.id, key: created.key, name: created.apiKey.name };
  botsOnlyKey = (await server.app.seedApiKey(org.id, { scopes: ["read:bots"] })).key;
  otherOrgKey = (await server.app.seedApiKey(other.id, { scopes: ["admin:org"] })).key;
});
afterAll(async () => {
  await server?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const api = (path: string, query: Record<string, string> = {}) => {
  const text = new URLSearchParams(query).toString();
  return `${server.url}/api/v1${path}${text ? `?${text}` : ""}`;
};

async function expectEnvelope(res: Response, status: number, code: string): Promise<Envelope> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Envelope;
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

describe("REST with an API key", () => {
  it("GET /api/v1/me answers the key, its org and scopes", async () => {
    const res = await fetch(api("/me"), { headers: bearer(adminKey.key) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      kind: "apiKey",
      apiKey: { id: adminKey.id, name: "Partner sync", scopes: ["admin:org"], botId: null },
      org: { id: org.id, name: org.name, slug: expect.any(String) },
    });
  });

  it("fills in the key's org when orgId is left out", async () => {
    const res = await fetch(api("/audit-events"), {
      headers: { ...bearer(adminKey.key), "x-request-id": "key-list" },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as AuditPageJson;
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((event) => event.orgId === org.id)).toBe(true);
    expect(page.items.some((event) => event.action === "api_key.created")).toBe(true);
    expect(await accessLogFor(server, "key-list")).toMatchObject({ status: 200, orgId: org.id });

    const own = await fetch(api("/org"), { headers: bearer(adminKey.key) });
    expect(await own.json()).toMatchObject({ org: { id: org.id, role: null } });
    const members = await fetch(api("/members"), { headers: bearer(adminKey.key) });
    const list = (await members.json()) as { items: unknown[]; nextCursor: string | null };
    expect(list).toMatchObject({ items: expect.any(Array), nextCursor: null });
    expect(list.items).toHaveLength(4);
  });

  it("accepts its own orgId given explicitly", async () => {
    const res = await fetch(api("/org", { orgId: org.id }), { headers: bearer(adminKey.key) });
    expect(res.status).toBe(200);
  });

  it("answers another org's id with the 404 envelope", async () => {
    for (const orgId of [other.id, randomUUID()]) {
      const res = await fetch(api("/audit-events", { orgId }), { headers: bearer(adminKey.key) });
      await expectEnvelope(res, 404, "NOT_FOUND");
    }
    const foreignKey = await fetch(api("/org", { orgId: org.id }), { headers: bearer(otherOrgKey) });
    await expectEnvelope(foreignKey, 404, "NOT_FOUND");
  });

  it("answers a key without the scope with 403 naming the scope it needs", async () => {
    for (const path of ["/audit-events", "/org", "/members"]) {
      const res = await fetch(api(path), { headers: bearer(botsOnlyKey) });
      const body = await expectEnvelope(res, 403, "FORBIDDEN");
      expect(body.error.details).toEqual({ reason: "scope", requiredScopes: ["admin:org"] });
    }
  });

  it("answers an invalid key with the 401 envelope, whether or not orgId is given", async () => {
    const tampered = `${adminKey.key.slice(0, -1)}${adminKey.key.endsWith("A") ? "B" : "A"}`;
    for (const query of [{}, { orgId: org.id }] as Record<string, string>[]) {
      const res = await fetch(api("/audit-events", query), { headers: bearer(tampered) });
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      await expectEnvelope(res, 401, "UNAUTHORIZED");
    }
  });

  it("streams the export without orgId", async () => {
    const res = await fetch(api("/audit-events/export", { format: "json" }), {
      headers: bearer(adminKey.key),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-events-.*\.json"$/);
    const events = (await res.json()) as { orgId: string }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.orgId === org.id)).toBe(true);
  });

  it("updates the org with PATCH and the audit event names the key", async () => {
    const res = await fetch(api("/org"), {
      method: "PATCH",
      headers: { ...bearer(adminKey.key), "content-type": "application/json" },
      body: JSON.stringify({ name: "Renamed by key" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ org: { id: org.id, name: "Renamed by key", role: null } });
    const audit = await fetch(api("/audit-events", { action: "org.updated" }), {
      headers: bearer(adminKey.key),
    });
    const [event] = ((await audit.json()) as AuditPageJson).items;
    expect(event?.actor).toEqual({ type: "api_key", id: adminKey.id, label: "Partner sync" });
  });

  it("stops working at once when revoked", async () => {
    const key = await server.app.seedApiKey(org.id, { scopes: ["admin:org"] });
    expect((await fetch(api("/me"), { headers: bearer(key.key) })).status).toBe(200);
    await server.app.caller(org.owner.accessToken).apiKeys.revoke({ orgId: org.id, keyId: key.id });
    const res = await fetch(api("/audit-events"), { headers: bearer(key.key) });
    await expectEnvelope(res, 401, "UNAUTHORIZED");
  });
});
