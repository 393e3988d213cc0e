import { randomUUID } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { auditEvents } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessLogFor, startTestServer, type TestServer } from "./server-harness";

const EVENTS = 1_200;

let server: TestServer;
let org: SeededOrg;
let other: SeededOrg;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Exporter");
  other = await server.app.seedOrg("Other");
  const rows = Array.from({ length: EVENTS }, (_, index) => ({
    orgId: org.id,
    actorType: "user" as const,
    actorId: org.owner.id,
    actorLabel: org.owner.email,
    action: index % 3 === 0 ? "member.invited" : "org.updated",
    resourceType: "organization",
    resourceId: org.id,
    requestId: `seed-${index}`,
    ip: "127.0.0.1",
    userAgent: "vitest",
    diff: { after: { name: `=cmd|' /C calc'!A${index}` } },
  }));
  for (let start = 0; start < rows.length; start += 400) {
    await server.app.database.db.insert(auditEvents).values(rows.slice(start, start + 400));
  }
  await server.app.database.db.insert(auditEvents).values({
    orgId: other.id,
    actorType: "system",
    action: "org.updated",
    resourceType: "organization",
    resourceId: other.id,
  });
});
afterAll(async () => {
  await server?.close();
});

function exportUrl(params: Record<string, string>): string {
  return `${server.url}/api/v1/audit-events/export?${new URLSearchParams(params)}`;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Envelope {
  error: { code: string; message: string; requestId: string; details: Record<string, unknown> | null };
}

describe("GET /api/v1/audit-events/export", () => {
  it("streams every event of the org as CSV across export pages", async () => {
    const res = await fetch(exportUrl({ orgId: org.id, format: "csv" }), {
      headers: { ...bearer(org.owner.accessToken), "x-request-id": "export-csv" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="audit-events-\d{8}T\d{6}Z\.csv"$/,
    );
    expect(res.headers.get("x-request-id")).toBe("export-csv");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const lines = (await res.text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toMatch(/^id,createdAt,orgId,/);
    expect(lines).toHaveLength(EVENTS + 1);
    expect(lines.slice(1).every((line) => line.includes(org.id))).toBe(true);
    expect(lines.some((line) => line.includes(other.id))).toBe(false);
    expect(await accessLogFor(server, "export-csv")).toMatchObject({
      route: "/api/v1/audit-events/export",
      status: 200,
      userId: org.owner.id,
      orgId: org.id,
    });
  });

  it("streams JSON and applies the filters from the query string", async () => {
    const res = await fetch(exportUrl({ orgId: org.id, format: "json", action: "member.invited" }), {
      headers: bearer(org.admin.accessToken),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/filename="audit-events-.*\.json"/);
    const events = (await res.json()) as { action: string; orgId: string }[];
    expect(events).toHaveLength(EVENTS / 3);
    expect(events.every((event) => event.action === "member.invited" && event.orgId === org.id)).toBe(true);
  });

  it("answers an anonymous caller with the 401 envelope", async () => {
    const res = await fetch(exportUrl({ orgId: org.id, format: "csv" }), {
      headers: { "x-request-id": "anon" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = (await res.json()) as Envelope;
    expect(body.error).toMatchObject({ code: "UNAUTHORIZED", requestId: "anon" });
  });

  it("refuses a non-Bearer Authorization header", async () => {
    const res = await fetch(exportUrl({ orgId: org.id, format: "csv" }), {
      headers: { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Envelope).error.code).toBe("UNAUTHORIZED");
  });

  it("answers a role without audit:export with 403", async () => {
    const res = await fetch(exportUrl({ orgId: org.id, format: "csv" }), {
      headers: bearer(org.viewer.accessToken),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Envelope).error.code).toBe("FORBIDDEN");
  });

  it("answers another org's id with 404", async () => {
    for (const orgId of [other.id, randomUUID()]) {
      const res = await fetch(exportUrl({ orgId, format: "csv" }), {
        headers: bearer(org.owner.accessToken),
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as Envelope).error.code).toBe("NOT_FOUND");
    }
  });

  it("answers bad query values with the 400 envelope and its issues", async () => {
    const res = await fetch(exportUrl({ orgId: org.id, format: "xml" }), {
      headers: { ...bearer(org.owner.accessToken), "x-request-id": "bad-format" },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Envelope;
    expect(body.error).toMatchObject({ code: "BAD_REQUEST", requestId: "bad-format" });
    expect(body.error.details?.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "format" })]),
    );
  });
});
