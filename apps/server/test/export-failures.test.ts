import { request } from "node:http";
import type { SeededOrg } from "@kyro/api/testing";
import { seedBot } from "@kyro/api/testing/conversations";
import { auditEvents, leads } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poisonRow } from "./poisoned-rows";
import { startTestServer, type TestServer } from "./server-harness";

/** One more than an export page (500 rows), so a second page is queried. */
const ROWS = 520;

let server: TestServer;
let org: SeededOrg;
/** Ids per export, oldest first. */
const ids: Record<string, string[]> = {};

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Failing exports");
  const db = server.app.database.db;
  const botId = (await seedBot(server.app, org.id)).id;
  const leadRows = await db
    .insert(leads)
    .values(
      Array.from({ length: ROWS }, (_, index) => ({
        orgId: org.id,
        botId,
        email: `lead-${index}@example.com`,
        source: "widget",
      })),
    )
    .returning({ id: leads.id });
  const auditRows = await db
    .insert(auditEvents)
    .values(
      Array.from({ length: ROWS }, (_, index) => ({
        orgId: org.id,
        actorType: "system" as const,
        action: "bot.updated",
        resourceType: "bot",
        resourceId: `bot-${index}`,
      })),
    )
    .returning({ id: auditEvents.id });
  ids.leads = leadRows.map((row) => row.id).sort();
  ids.audit_events = auditRows.map((row) => row.id).sort();
});
afterAll(async () => {
  await server?.close();
});

interface Download {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Whether the whole HTTP message arrived (for chunked: the final zero-length chunk). */
  complete: boolean;
}

/** node:http rather than fetch: a cut transfer must be observed, not turned into a rejection. */
function download(path: string, requestId: string): Promise<Download> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${org.owner.accessToken}`, "x-request-id": requestId },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("error", () => undefined);
      res.on("close", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, complete: res.complete }),
      );
    });
    req.end();
  });
}

const EXPORTS = [
  { name: "leads", table: "leads", column: "email", path: "/api/v1/leads/export" },
  { name: "audit", table: "audit_events", column: "resource_id", path: "/api/v1/audit-events/export" },
] as const;
const FORMATS = ["csv", "json"] as const;
const CASES = EXPORTS.flatMap((target) => FORMATS.map((format) => ({ ...target, format })));

async function withPoisoned<T>(table: string, column: string, id: string, run: () => Promise<T>) {
  const undo = await poisonRow(server.app.database.db, table, column, id);
  try {
    return await run();
  } finally {
    await undo();
  }
}

describe.each(CASES)("$name export as $format", ({ table, column, path, format }) => {
  const url = () => `${path}?orgId=${org.id}&format=${format}`;

  it("answers a failing first page with the error envelope, never a 200", async () => {
    const newest = ids[table]?.at(-1) ?? "";
    const requestId = `first-${table}-${format}`;
    const res = await withPoisoned(table, column, newest, () => download(url(), requestId));
    expect(res.status).toBe(500);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["content-disposition"]).toBeUndefined();
    expect(res.complete).toBe(true);
    expect(JSON.parse(res.body)).toEqual({
      error: expect.objectContaining({ code: "INTERNAL_SERVER_ERROR", requestId }),
    });
  });

  it("ends a failing later page with the marker and a cut transfer", async () => {
    // The newest row of the second page, so the query fails before sending any row: postgres.js 3.4
    // leaves a stale row count on a connection whose query failed mid-rows (porsager/postgres#1119),
    // which would spoil the next query on that connection rather than test this one.
    const secondPageFirst = ids[table]?.at(-501) ?? "";
    const requestId = `later-${table}-${format}`;
    const res = await withPoisoned(table, column, secondPageFirst, () => download(url(), requestId));
    expect(res.status).toBe(200);
    // No final chunk: curl reports "transfer closed with outstanding read data remaining".
    expect(res.complete).toBe(false);
    if (format === "csv") {
      const lines = res.body.split("\r\n");
      expect(lines.at(-1)).toBe("");
      expect(lines.at(-2)).toBe(`# export failed: ${requestId}`);
      // The header and the whole first page came through before the marker.
      expect(lines).toHaveLength(1 + 500 + 2);
    } else {
      expect(() => JSON.parse(res.body)).toThrow();
      const items = JSON.parse(`${res.body}]`) as Record<string, unknown>[];
      expect(items).toHaveLength(500 + 1);
      expect(items.at(-1)).toEqual({
        error: { code: "EXPORT_FAILED", message: expect.any(String), requestId },
      });
    }
    const logged = server.logs.find((line) => line.msg === "request failed" && line.requestId === requestId);
    expect(logged).toBeDefined();
  });

  it("completes a healthy export with no marker and a complete transfer", async () => {
    const res = await download(url(), `whole-${table}-${format}`);
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    if (format === "csv") {
      const lines = res.body.split("\r\n");
      expect(lines).toHaveLength(1 + ROWS + 1);
      expect(res.body).not.toContain("# export failed");
    } else {
      expect(JSON.parse(res.body)).toHaveLength(ROWS);
    }
  });
});

describe("leads export input the database rejects", () => {
  it("answers an error status, never a 200 with a cut body", async () => {
    const res = await download(`/api/v1/leads/export?orgId=${org.id}&format=csv&email=%00`, "nul-email");
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.complete).toBe(true);
    expect(JSON.parse(res.body)).toEqual({ error: expect.objectContaining({ requestId: "nul-email" }) });
  });
});
