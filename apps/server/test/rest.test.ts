import { randomUUID } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { auditEvents } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessLogFor, startTestServer, type TestServer } from "./server-harness";

interface Envelope {
  error: { code: string; message: string; requestId: string; details: Record<string, unknown> | null };
}
interface Issue {
  path: string;
  code: string;
  message: string;
}
interface AuditEventJson {
  id: string;
  orgId: string;
  action: string;
  requestId: string | null;
  actor: { type: string; id: string | null; label: string | null };
  createdAt: string;
}
interface AuditPageJson {
  items: AuditEventJson[];
  nextCursor: string | null;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SEEDED = 7;

let server: TestServer;
let org: SeededOrg;
let other: SeededOrg;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Rest");
  other = await server.app.seedOrg("Elsewhere");
  await server.app.database.db.insert(auditEvents).values(
    Array.from({ length: SEEDED }, (_, index) => ({
      orgId: org.id,
      actorType: "user" as const,
      actorId: org.owner.id,
      actorLabel: org.owner.email,
      action: index % 2 === 0 ? "member.invited" : "member.removed",
      resourceType: "membership",
      resourceId: `seed-${index}`,
    })),
  );
  await server.app.database.db.insert(auditEvents).values({
    orgId: other.id,
    actorType: "system",
    action: "member.invited",
    resourceType: "membership",
  });
});
afterAll(async () => {
  await server?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function api(path: string, query: Record<string, string | string[]> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of [value].flat()) search.append(name, item);
  }
  const text = search.toString();
  return `${server.url}/api/v1${path}${text ? `?${text}` : ""}`;
}

async function expectEnvelope(res: Response, status: number, code: string): Promise<Envelope> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  const body = (await res.json()) as Envelope;
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

const issuePaths = (body: Envelope) =>
  ((body.error.details?.issues ?? []) as Issue[]).map((issue) => issue.path);

describe("GET /api/v1/audit-events with an access token", () => {
  it("answers plain JSON with ISO dates and the org's events only", async () => {
    const res = await fetch(api("/audit-events", { orgId: org.id }), {
      headers: { ...bearer(org.owner.accessToken), "x-request-id": "rest-list" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = (await res.json()) as AuditPageJson;
    expect(Object.keys(page).sort()).toEqual(["items", "nextCursor"]);
    expect(page.items).toHaveLength(SEEDED);
    expect(page.nextCursor).toBeNull();
    for (const event of page.items) {
      expect(event.orgId).toBe(org.id);
      expect(event.createdAt).toMatch(ISO_UTC);
    }
    expect(await accessLogFor(server, "rest-list")).toMatchObject({
      route: "/api/v1/audit-events",
      status: 200,
      userId: org.owner.id,
      orgId: org.id,
    });
  });

  it('coerces limit from text ("10" works) and walks every page by cursor', async () => {
    const ten = await fetch(api("/audit-events", { orgId: org.id, limit: "10" }), {
      headers: bearer(org.admin.accessToken),
    });
    expect(((await ten.json()) as AuditPageJson).items).toHaveLength(SEEDED);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { orgId: org.id, limit: "3" };
      if (cursor) query.cursor = cursor;
      const res = await fetch(api("/audit-events", query), { headers: bearer(org.owner.accessToken) });
      expect(res.status).toBe(200);
      const page = (await res.json()) as AuditPageJson;
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((event) => event.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(SEEDED);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it.each([
    ["abc", "limit"],
    ["", "limit"],
    ["1.5", "limit"],
    ["0", "limit"],
    ["true", "limit"],
  ])('refuses limit "%s" with the 400 envelope naming the field', async (limit, path) => {
    const res = await fetch(api("/audit-events", { orgId: org.id, limit }), {
      headers: bearer(org.owner.accessToken),
    });
    const body = await expectEnvelope(res, 400, "BAD_REQUEST");
    expect(issuePaths(body)).toContain(path);
  });

  it("refuses a scalar given twice and an unknown parameter", async () => {
    const twice = await fetch(api("/audit-events", { orgId: org.id, limit: ["1", "2"] }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(issuePaths(await expectEnvelope(twice, 400, "BAD_REQUEST"))).toContain("limit");
    const typo = await fetch(api("/audit-events", { orgId: org.id, limt: "5" }), {
      headers: bearer(org.owner.accessToken),
    });
    const body = await expectEnvelope(typo, 400, "BAD_REQUEST");
    expect(body.error.details?.issues).toEqual([
      expect.objectContaining({ path: "limt", code: "unrecognized_keys" }),
    ]);
  });

  it("applies filters, with dates as ISO text", async () => {
    const invited = await fetch(api("/audit-events", { orgId: org.id, action: "member.invited" }), {
      headers: bearer(org.owner.accessToken),
    });
    const page = (await invited.json()) as AuditPageJson;
    expect(page.items).toHaveLength(Math.ceil(SEEDED / 2));
    expect(page.items.every((event) => event.action === "member.invited")).toBe(true);

    const newest = page.items[0]?.createdAt ?? "";
    const after = new Date(Date.parse(newest) + 1).toISOString();
    const future = await fetch(api("/audit-events", { orgId: org.id, from: after }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(((await future.json()) as AuditPageJson).items).toEqual([]);
    const past = await fetch(api("/audit-events", { orgId: org.id, to: after, actorType: "user" }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(((await past.json()) as AuditPageJson).items).toHaveLength(SEEDED);

    const reversed = await fetch(api("/audit-events", { orgId: org.id, from: after, to: newest }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(issuePaths(await expectEnvelope(reversed, 400, "BAD_REQUEST"))).toContain("to");
    const notADate = await fetch(api("/audit-events", { orgId: org.id, from: "yesterday" }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(issuePaths(await expectEnvelope(notADate, 400, "BAD_REQUEST"))).toContain("from");
  });

  it("answers 400 naming orgId when an access token leaves it out", async () => {
    const res = await fetch(api("/audit-events"), { headers: bearer(org.owner.accessToken) });
    expect(issuePaths(await expectEnvelope(res, 400, "BAD_REQUEST"))).toContain("orgId");
  });

  it("answers another org's id, or an unknown one, with the 404 envelope", async () => {
    for (const orgId of [other.id, randomUUID()]) {
      const res = await fetch(api("/audit-events", { orgId }), { headers: bearer(org.owner.accessToken) });
      await expectEnvelope(res, 404, "NOT_FOUND");
    }
  });

  it("answers a viewer with the 403 envelope", async () => {
    const res = await fetch(api("/audit-events", { orgId: org.id }), {
      headers: bearer(org.viewer.accessToken),
    });
    await expectEnvelope(res, 403, "FORBIDDEN");
  });

  it("answers no token, or a bad one, with the 401 envelope and a Bearer challenge", async () => {
    for (const headers of [{}, bearer("not-a-token"), { authorization: "Basic YTpi" }]) {
      const res = await fetch(api("/audit-events", { orgId: org.id }), { headers });
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      await expectEnvelope(res, 401, "UNAUTHORIZED");
    }
  });
});

describe("GET /api/v1/audit-events/export", () => {
  it("streams CSV and JSON with their content type and an attachment name", async () => {
    const csv = await fetch(api("/audit-events/export", { orgId: org.id, format: "csv" }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(
      /^attachment; filename="audit-events-\d{8}T\d{6}Z\.csv"$/,
    );
    const lines = (await csv.text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toMatch(/^id,createdAt,orgId,/);
    expect(lines).toHaveLength(SEEDED + 1);

    const json = await fetch(api("/audit-events/export", { orgId: org.id, format: "json" }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(json.headers.get("content-disposition")).toMatch(/filename="audit-events-\d{8}T\d{6}Z\.json"/);
    const events = (await json.json()) as AuditEventJson[];
    expect(events).toHaveLength(SEEDED);
    expect(events.every((event) => ISO_UTC.test(event.createdAt))).toBe(true);
  });

  it("answers errors before the first chunk with the envelope", async () => {
    const bad = await fetch(api("/audit-events/export", { orgId: org.id, format: "xml" }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(issuePaths(await expectEnvelope(bad, 400, "BAD_REQUEST"))).toContain("format");
    const viewer = await fetch(api("/audit-events/export", { orgId: org.id, format: "csv" }), {
      headers: bearer(org.viewer.accessToken),
    });
    await expectEnvelope(viewer, 403, "FORBIDDEN");
  });
});

describe("PATCH /api/v1/org", () => {
  const patch = (token: string, query: Record<string, string>, body: string, type = "application/json") =>
    fetch(api("/org", query), {
      method: "PATCH",
      headers: { ...bearer(token), "content-type": type, "x-request-id": `patch-${randomUUID()}` },
      body,
    });

  it("updates from a JSON body, answers the org as JSON and writes the audit event", async () => {
    const res = await patch(org.owner.accessToken, { orgId: org.id }, JSON.stringify({ name: "Renamed" }));
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id");
    const { org: updated } = (await res.json()) as {
      org: { id: string; name: string; createdAt: string; role: string };
    };
    expect(updated).toMatchObject({ id: org.id, name: "Renamed", role: "owner" });
    expect(updated.createdAt).toMatch(ISO_UTC);

    const audit = await fetch(api("/audit-events", { orgId: org.id, action: "org.updated" }), {
      headers: bearer(org.owner.accessToken),
    });
    const [event] = ((await audit.json()) as AuditPageJson).items;
    expect(event).toMatchObject({
      action: "org.updated",
      requestId,
      actor: { type: "user", id: org.owner.id },
    });
  });

  it("accepts a JSON content type with a charset parameter", async () => {
    const body = JSON.stringify({ name: "Charset ü" });
    const res = await patch(
      org.owner.accessToken,
      { orgId: org.id },
      body,
      "application/json; charset=utf-8",
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { org: { name: string } }).org.name).toBe("Charset ü");
  });

  it("takes orgId from the body as well, but not from both places", async () => {
    const inBody = await patch(org.owner.accessToken, {}, JSON.stringify({ orgId: org.id, name: "Body" }));
    expect(inBody.status).toBe(200);
    expect(((await inBody.json()) as { org: { name: string } }).org.name).toBe("Body");
    const both = await patch(org.owner.accessToken, { orgId: org.id }, JSON.stringify({ orgId: org.id }));
    expect(issuePaths(await expectEnvelope(both, 400, "BAD_REQUEST"))).toEqual(["orgId"]);
  });

  it("refuses invalid fields, unknown fields and bodies that are not objects", async () => {
    const empty = await patch(org.owner.accessToken, { orgId: org.id }, JSON.stringify({ name: "" }));
    expect(issuePaths(await expectEnvelope(empty, 400, "BAD_REQUEST"))).toContain("name");
    const unknown = await patch(org.owner.accessToken, { orgId: org.id }, JSON.stringify({ title: "x" }));
    expect(issuePaths(await expectEnvelope(unknown, 400, "BAD_REQUEST"))).toEqual(["title"]);
    const list = await patch(org.owner.accessToken, { orgId: org.id }, JSON.stringify([{ name: "x" }]));
    expect((await expectEnvelope(list, 400, "BAD_REQUEST")).error.message).toMatch(/must be an object/);
  });

  it("answers malformed JSON, a non-JSON body and an agent with the envelope", async () => {
    const malformed = await patch(org.owner.accessToken, { orgId: org.id }, '{"name": ');
    expect((await expectEnvelope(malformed, 400, "BAD_REQUEST")).error.message).toBe("Malformed JSON body");
    const text = await patch(org.owner.accessToken, { orgId: org.id }, "name=x", "text/plain");
    await expectEnvelope(text, 400, "BAD_REQUEST");
    const agent = await patch(org.agent.accessToken, { orgId: org.id }, JSON.stringify({ name: "No" }));
    await expectEnvelope(agent, 403, "FORBIDDEN");
  });

  it("refuses a body over 1 MiB with the 413 envelope before running the procedure", async () => {
    const res = await patch(
      org.owner.accessToken,
      { orgId: org.id },
      JSON.stringify({ name: "x".repeat(1024 * 1024) }),
    );
    await expectEnvelope(res, 413, "PAYLOAD_TOO_LARGE");
  });
});

describe("GET /api/v1/members and /api/v1/org", () => {
  it("lists members as a page of JSON; invitations only to managers", async () => {
    const asViewer = await fetch(api("/members", { orgId: org.id }), {
      headers: bearer(org.viewer.accessToken),
    });
    expect(asViewer.status).toBe(200);
    const list = (await asViewer.json()) as {
      items: { userId: string; role: string; joinedAt: string }[];
      nextCursor: string | null;
    };
    expect(list.items.map((member) => member.role).sort()).toEqual(["admin", "agent", "owner", "viewer"]);
    expect(list.items.every((member) => ISO_UTC.test(member.joinedAt))).toBe(true);
    expect(list.nextCursor).toBeNull();

    const asOwner = await fetch(api("/invitations", { orgId: org.id }), {
      headers: bearer(org.owner.accessToken),
    });
    expect(await asOwner.json()).toEqual({ items: [], nextCursor: null });
    const refused = await fetch(api("/invitations", { orgId: org.id }), {
      headers: bearer(org.viewer.accessToken),
    });
    expect((await expectEnvelope(refused, 403, "FORBIDDEN")).error.details).toEqual({ reason: "role" });
  });

  it("gets the org for any member", async () => {
    const res = await fetch(api("/org", { orgId: org.id }), { headers: bearer(org.viewer.accessToken) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ org: { id: org.id, role: "viewer" } });
  });

  it("answers GET /api/v1/me with the user", async () => {
    const res = await fetch(api("/me"), { headers: bearer(org.admin.accessToken) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      kind: "user",
      user: { id: org.admin.id, email: org.admin.email },
    });
  });
});

describe("routing", () => {
  it.each([
    ["GET", "/api/v1/nowhere"],
    ["GET", "/api/v1/org/extra"],
  ])("%s %s answers the 404 envelope", async (method, path) => {
    const res = await fetch(`${server.url}${path}?orgId=${org.id}`, {
      method,
      headers: bearer(org.owner.accessToken),
    });
    const body = await expectEnvelope(res, 404, "NOT_FOUND");
    expect(body.error.message).toBe("Route not found");
    expect(body.error.details).toEqual({ resource: "Route" });
  });

  it.each([
    ["POST", "/api/v1/org", ["GET", "PATCH"]],
    ["DELETE", "/api/v1/members", ["GET"]],
    ["PUT", "/api/v1/audit-events", ["GET"]],
    ["PUT", "/api/v1/bots/00000000-0000-7000-8000-000000000000", ["DELETE", "GET", "PATCH", "POST"]],
  ])("%s %s answers 405 with Allow", async (method, path, allow) => {
    const res = await fetch(`${server.url}${path}?orgId=${org.id}`, {
      method,
      headers: bearer(org.owner.accessToken),
    });
    const body = await expectEnvelope(res, 405, "METHOD_NOT_ALLOWED");
    expect(res.headers.get("allow")).toBe(allow.join(", "));
    expect(body.error.details).toEqual({ allow });
  });
});
