import { type ActorType, auditEvents, newId } from "@kyro/db";
import type { AnyProcedure } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditScope, REDACTED, recordAudit } from "../../../src/core/audit-log";
import { encodeCursor } from "../../../src/core/pagination";
import { EXPORT_PAGE_SIZE } from "../../../src/domains/audit/service";
import { csvCell } from "../../../src/domains/shared/csv";
import { contentTypeFor } from "../../../src/domains/shared/export-stream";
import { appRouter } from "../../../src/root";
import { createTestApp, type SeededOrg, type SeededUser, type TestApp } from "../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

function scopeOf(user: SeededUser, requestId = "req-seed"): AuditScope {
  return {
    actor: { type: "user", id: user.id, label: user.email },
    request: { requestId, ip: "203.0.113.7", userAgent: "seed-agent/1.0", origin: null },
  };
}

async function record(scope: AuditScope, entry: Parameters<typeof recordAudit>[2]): Promise<void> {
  await app.database.db.transaction(async (tx) => recordAudit(tx, scope, entry));
}

interface RawEvent {
  action?: string;
  resourceType?: string;
  resourceId?: string | null;
  actorType?: ActorType;
  actorId?: string | null;
  actorLabel?: string | null;
  userAgent?: string | null;
  createdAt?: Date;
}

/** Bulk insert for volume tests; ids are generated in order, so the last inserted is the newest. */
async function insertEvents(orgId: string, events: RawEvent[]): Promise<string[]> {
  const rows = events.map((event) => ({
    id: newId(),
    orgId,
    actorType: event.actorType ?? "system",
    actorId: event.actorId ?? null,
    actorLabel: event.actorLabel ?? null,
    action: event.action ?? "bot.updated",
    resourceType: event.resourceType ?? "bot",
    resourceId: event.resourceId ?? null,
    userAgent: event.userAgent ?? null,
    ...(event.createdAt ? { createdAt: event.createdAt } : {}),
  }));
  for (let start = 0; start < rows.length; start += 1000) {
    await app.database.db.insert(auditEvents).values(rows.slice(start, start + 1000));
  }
  return rows.map((row) => row.id);
}

const newestFirst = (ids: string[]) => [...ids].sort().reverse();

async function listAll(user: SeededUser, orgId: string, limit: number) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await app.caller(user.accessToken).audit.list({ orgId, limit, cursor });
    pages.push(page.items.map((item) => item.id));
    if (!page.nextCursor) return pages;
    cursor = page.nextCursor;
  }
}

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Independent RFC 4180 reader, so the test checks the written text rather than trusting the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        cell += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      record.push(cell);
      cell = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      record.push(cell);
      records.push(record);
      record = [];
      cell = "";
      i++;
    } else {
      cell += char;
    }
  }
  expect(cell).toBe("");
  expect(record).toEqual([]);
  return records;
}

describe("audit.list", () => {
  let org: SeededOrg;
  let other: SeededOrg;

  beforeAll(async () => {
    org = await app.seedOrg("Audit List");
    other = await app.seedOrg("Audit Other");
    await record(scopeOf(org.admin, "req-1"), {
      orgId: org.id,
      action: "member.invited",
      resourceType: "invitation",
      resourceId: "inv-1",
      after: { email: "new@example.test", role: "agent" },
    });
    await record(scopeOf(org.owner, "req-2"), {
      orgId: org.id,
      action: "org.updated",
      resourceType: "organization",
      resourceId: org.id,
      before: { name: "Old" },
      after: { name: "New" },
    });
    await record(scopeOf(other.owner), {
      orgId: other.id,
      action: "org.updated",
      resourceType: "organization",
    });
    await record(scopeOf(org.admin), {
      orgId: null,
      action: "user.password_changed",
      resourceType: "user",
      resourceId: org.admin.id,
    });
  });

  it("returns only the org's events, newest first, in the public shape", async () => {
    const page = await app.caller(org.admin.accessToken).audit.list({ orgId: org.id });
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((item) => item.action)).toEqual(["org.updated", "member.invited"]);
    expect(page.items[1]).toEqual({
      id: expect.any(String),
      orgId: org.id,
      actor: { type: "user", id: org.admin.id, label: org.admin.email },
      action: "member.invited",
      resourceType: "invitation",
      resourceId: "inv-1",
      requestId: "req-1",
      ip: "203.0.113.7",
      userAgent: "seed-agent/1.0",
      diff: { before: null, after: { email: "new@example.test", role: "agent" } },
      createdAt: expect.any(Date),
      chainSeq: expect.any(Number),
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(page.items[0]?.diff).toEqual({ before: { name: "Old" }, after: { name: "New" } });

    const otherPage = await app.caller(other.owner.accessToken).audit.list({ orgId: other.id });
    expect(otherPage.items).toHaveLength(1);
    expect(otherPage.items[0]?.orgId).toBe(other.id);
  });

  it("answers UNAUTHORIZED without a valid token", async () => {
    await expect(app.caller().audit.list({ orgId: org.id })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(app.caller("not-a-jwt").audit.list({ orgId: org.id })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("answers NOT_FOUND for another org, even to its neighbour's owner", async () => {
    await expect(app.caller(other.owner.accessToken).audit.list({ orgId: org.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(app.caller(org.owner.accessToken).audit.list({ orgId: newId() })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("lets admins and owners read, not agents or viewers", async () => {
    for (const user of [org.viewer, org.agent]) {
      await expect(app.caller(user.accessToken).audit.list({ orgId: org.id })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
    }
    for (const user of [org.admin, org.owner]) {
      const page = await app.caller(user.accessToken).audit.list({ orgId: org.id });
      expect(page.items).toHaveLength(2);
    }
  });

  it("stores and returns secret fields as [redacted]", async () => {
    const secrets = await app.seedOrg("Audit Secrets");
    await record(scopeOf(secrets.owner), {
      orgId: secrets.id,
      action: "integration.updated",
      resourceType: "integration",
      before: { name: "crm", passwordHash: "$argon2id$old", apiKey: "kyro_live_old" },
      after: {
        name: "crm",
        password: "hunter2-plain",
        token: "tok-plain",
        secret: "whsec_plain",
        key: "kyro_live_plain",
        headers: { Authorization: "Bearer plain", accept: "json" },
        credentials: [{ clientSecret: "cs-plain", user: "u" }],
      },
    });
    const page = await app.caller(secrets.owner.accessToken).audit.list({ orgId: secrets.id });
    const diff = page.items[0]?.diff;
    expect(diff).toEqual({
      before: { name: "crm", passwordHash: REDACTED, apiKey: REDACTED },
      after: {
        name: "crm",
        password: REDACTED,
        token: REDACTED,
        secret: REDACTED,
        key: REDACTED,
        headers: { Authorization: REDACTED, accept: "json" },
        credentials: [{ clientSecret: REDACTED, user: "u" }],
      },
    });
    expect(JSON.stringify(page)).not.toMatch(/plain|\$argon2id|kyro_live/);
  });
});

describe("audit.list filters", () => {
  let org: SeededOrg;
  const day = (iso: string) => new Date(`${iso}T12:00:00.000Z`);

  beforeAll(async () => {
    org = await app.seedOrg("Audit Filters");
    await insertEvents(org.id, [
      {
        action: "member.invited",
        resourceType: "invitation",
        resourceId: "a",
        actorType: "user",
        actorId: org.admin.id,
        createdAt: day("2024-01-10"),
      },
      {
        action: "member.removed",
        resourceType: "member",
        resourceId: "b",
        actorType: "user",
        actorId: org.owner.id,
        createdAt: day("2024-02-10"),
      },
      {
        action: "key.created",
        resourceType: "api_key",
        resourceId: "c",
        actorType: "api_key",
        actorId: newId(),
        createdAt: day("2024-03-10"),
      },
      {
        action: "member.invited",
        resourceType: "invitation",
        resourceId: "d",
        actorType: "user",
        actorId: org.owner.id,
        createdAt: day("2024-04-10"),
      },
      {
        action: "org.updated",
        resourceType: "organization",
        resourceId: org.id,
        actorType: "system",
        createdAt: day("2024-05-10"),
      },
    ]);
  });

  const ids = async (filters: Record<string, string | Date>) => {
    const page = await app.caller(org.admin.accessToken).audit.list({ orgId: org.id, ...filters });
    return page.items.map((item) => item.resourceId);
  };

  it("filters by time range: from inclusive, to exclusive", async () => {
    expect(await ids({ from: "2024-02-10T12:00:00.000Z" })).toEqual([org.id, "d", "c", "b"]);
    expect(await ids({ to: "2024-02-10T12:00:00.000Z" })).toEqual(["a"]);
    expect(await ids({ from: "2024-02-01T00:00:00Z", to: "2024-04-01T00:00:00+02:00" })).toEqual(["c", "b"]);
    expect(await ids({ from: "2025-01-01T00:00:00Z" })).toEqual([]);
    expect(await ids({ from: day("2024-03-10"), to: day("2024-05-10") })).toEqual(["d", "c"]);
  });

  it("filters by actor, action and resource, and combines filters", async () => {
    expect(await ids({ actorId: org.owner.id })).toEqual(["d", "b"]);
    expect(await ids({ actorType: "api_key" })).toEqual(["c"]);
    expect(await ids({ actorType: "system" })).toEqual([org.id]);
    expect(await ids({ action: "member.invited" })).toEqual(["d", "a"]);
    expect(await ids({ resourceType: "invitation", resourceId: "a" })).toEqual(["a"]);
    expect(await ids({ resourceId: "b" })).toEqual(["b"]);
    expect(await ids({ action: "member.invited", actorId: org.admin.id })).toEqual(["a"]);
    expect(await ids({ action: "member.invited", from: "2024-03-01T00:00:00Z" })).toEqual(["d"]);
    expect(await ids({ action: "nothing.happened" })).toEqual([]);
  });

  it("rejects malformed filters with BAD_REQUEST", async () => {
    const caller = app.caller(org.admin.accessToken);
    const bad = [
      { from: "yesterday" },
      { from: "2024-05-01T00:00:00Z", to: "2024-04-01T00:00:00Z" },
      { actorId: "not-a-uuid" },
      { actorType: "robot" },
      { action: "" },
    ];
    for (const filters of bad) {
      await expect(caller.audit.list({ orgId: org.id, ...filters } as never)).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
  });
});

describe("audit.list pagination", () => {
  let org: SeededOrg;
  let inserted: string[];

  beforeAll(async () => {
    org = await app.seedOrg("Audit Pages");
    inserted = await insertEvents(
      org.id,
      Array.from({ length: 61 }, (_, i) => ({ action: i % 2 ? "bot.updated" : "bot.created" })),
    );
  });

  it("walks every event exactly once over several pages", async () => {
    const pages = await listAll(org.admin, org.id, 7);
    expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 5]);
    expect(pages.flat()).toEqual(newestFirst(inserted));
  });

  it("ends without a cursor when the last page is exactly full", async () => {
    const pages = await listAll(org.admin, org.id, 61);
    expect(pages.map((page) => page.length)).toEqual([61]);
  });

  it("keeps filters across pages", async () => {
    const caller = app.caller(org.admin.accessToken);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.audit.list({ orgId: org.id, action: "bot.updated", limit: 4, cursor });
      expect(page.items.every((item) => item.action === "bot.updated")).toBe(true);
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toHaveLength(30);
    expect(ids).toEqual(newestFirst(ids));
  });

  it("defaults to 20 per page and caps the page size at 100", async () => {
    const caller = app.caller(org.admin.accessToken);
    const first = await caller.audit.list({ orgId: org.id });
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await caller.audit.list({
      orgId: org.id,
      cursor: first.nextCursor ?? undefined,
      limit: 100,
    });
    expect(rest.items).toHaveLength(41);
    expect(rest.nextCursor).toBeNull();

    expect((await caller.audit.list({ orgId: org.id, limit: 100 })).items).toHaveLength(61);
    for (const limit of [101, 0, -1, 2.5]) {
      await expect(caller.audit.list({ orgId: org.id, limit })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
  });

  it("rejects a garbage cursor with BAD_REQUEST", async () => {
    const caller = app.caller(org.admin.accessToken);
    const garbage = [
      "garbage",
      "!!!",
      "",
      encodeCursor("not-a-uuid"),
      Buffer.from("{}").toString("base64url"),
    ];
    for (const cursor of garbage) {
      await expect(caller.audit.list({ orgId: org.id, cursor })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
  });

  it("never crosses into another org through a cursor", async () => {
    const stranger = await app.seedOrg("Audit Stranger");
    const [own] = await insertEvents(stranger.id, [{ action: "bot.created" }]);
    const widest = encodeCursor("ffffffff-ffff-7fff-bfff-ffffffffffff");
    const page = await app
      .caller(stranger.owner.accessToken)
      .audit.list({ orgId: stranger.id, cursor: widest, limit: 100 });
    expect(page.items.map((item) => item.id)).toEqual([own]);
  });
});

describe("audit.export", () => {
  let org: SeededOrg;
  let other: SeededOrg;
  const hostile = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcmd"];

  beforeAll(async () => {
    org = await app.seedOrg("Audit Export");
    other = await app.seedOrg("Audit Export Other");
    await insertEvents(other.id, [{ action: "bot.created", resourceId: "foreign" }]);
    await insertEvents(
      org.id,
      hostile.map((label, i) => ({
        action: "member.updated",
        resourceType: "member",
        resourceId: `r${i}`,
        actorType: "user",
        actorLabel: label,
      })),
    );
    await insertEvents(org.id, [
      {
        action: "widget.updated",
        resourceType: "widget",
        resourceId: 'comma,quote"line\r\nbreak',
        userAgent: 'Mozilla "quoted", with comma',
      },
    ]);
    await record(scopeOf(org.owner), {
      orgId: org.id,
      action: "integration.updated",
      resourceType: "integration",
      resourceId: "i1",
      after: { name: "crm", token: "tok-plain" },
    });
  });

  const exportAs = async (user: SeededUser, input: Record<string, unknown>) =>
    collect(await app.caller(user.accessToken).audit.export({ orgId: org.id, format: "csv", ...input }));

  it("writes CSV with a header, RFC 4180 quoting and a formula-injection guard", async () => {
    const chunks = await exportAs(org.admin, { format: "csv" });
    const text = chunks.join("");
    const [header, ...records] = parseCsv(text);
    expect(header).toEqual([
      "id",
      "createdAt",
      "orgId",
      "actorType",
      "actorId",
      "actorLabel",
      "action",
      "resourceType",
      "resourceId",
      "requestId",
      "ip",
      "userAgent",
      "diff",
      "chainSeq",
      "prevHash",
      "hash",
    ]);
    expect(records).toHaveLength(hostile.length + 2);
    for (const row of records) expect(row).toHaveLength(16);
    expect(records.map((row) => row[2])).toEqual(Array(records.length).fill(org.id));

    const [integration, widget, ...members] = records;
    expect(integration?.[8]).toBe("i1");
    expect(JSON.parse(integration?.[12] ?? "")).toEqual({
      before: null,
      after: { name: "crm", token: REDACTED },
    });
    expect(text).not.toContain("tok-plain");

    expect(widget?.[8]).toBe('comma,quote"line\r\nbreak');
    expect(widget?.[11]).toBe('Mozilla "quoted", with comma');
    expect(text).toContain('"Mozilla ""quoted"", with comma"');

    expect(members.map((row) => row[5])).toEqual([...hostile].reverse().map((label) => `'${label}`));
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);
    expect(text).not.toContain("foreign");
  });

  it("guards and quotes single cells", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("-1,2")).toBe('"\'-1,2"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("a\nb")).toBe('"a\nb"');
    expect(csvCell("\r=1")).toBe('"\'\r=1"');
    expect(csvCell("1=1")).toBe("1=1");
  });

  it("streams JSON as one array in pieces, with the list's item shape", async () => {
    const chunks = await exportAs(org.admin, { format: "json" });
    // The opening bracket travels with the first page: nothing is sent before the first query ran.
    expect(chunks[0]).toMatch(/^\[\{/);
    expect(chunks.at(-1)).toBe("]");
    const items = JSON.parse(chunks.join("")) as unknown[];
    const listed = await app.caller(org.admin.accessToken).audit.list({ orgId: org.id, limit: 100 });
    expect(items).toEqual(listed.items.map((item) => ({ ...item, createdAt: item.createdAt.toISOString() })));
    expect(chunks.join("")).not.toContain("tok-plain");
  });

  it("applies the same filters as list", async () => {
    const csv = parseCsv((await exportAs(org.owner, { format: "csv", resourceType: "member" })).join(""));
    expect(csv.slice(1).map((row) => row[8])).toEqual(["r5", "r4", "r3", "r2", "r1", "r0"]);
    const json = JSON.parse(
      (await exportAs(org.owner, { format: "json", action: "widget.updated" })).join(""),
    ) as { resourceType: string }[];
    expect(json.map((item) => item.resourceType)).toEqual(["widget"]);
  });

  it("streams an empty result as a header alone or an empty array", async () => {
    expect(await exportAs(org.admin, { format: "csv", action: "none" })).toHaveLength(1);
    expect(JSON.parse((await exportAs(org.admin, { format: "json", action: "none" })).join(""))).toEqual([]);
  });

  it("walks more than one page of rows, one chunk per page (the header with the first)", async () => {
    const big = await app.seedOrg("Audit Export Big");
    const total = EXPORT_PAGE_SIZE * 2 + 37;
    const inserted = await insertEvents(
      big.id,
      Array.from({ length: total }, (_, i) => ({
        resourceId: `row-${i}`,
        actorLabel: i % 3 ? "ok" : "=bad",
      })),
    );
    const call = (format: "csv" | "json") =>
      app.caller(big.owner.accessToken).audit.export({ orgId: big.id, format }).then(collect);

    const csvChunks = await call("csv");
    expect(csvChunks).toHaveLength(3);
    const rows = parseCsv(csvChunks.join("")).slice(1);
    expect(rows.map((row) => row[0])).toEqual(newestFirst(inserted));
    expect(new Set(rows.map((row) => row[5]))).toEqual(new Set(["ok", "'=bad"]));

    const jsonChunks = await call("json");
    expect(jsonChunks).toHaveLength(3 + 1);
    const items = JSON.parse(jsonChunks.join("")) as { id: string }[];
    expect(items.map((item) => item.id)).toEqual(newestFirst(inserted));
  });

  it("requires audit:export: admins and owners only", async () => {
    for (const user of [org.viewer, org.agent]) {
      await expect(
        app.caller(user.accessToken).audit.export({ orgId: org.id, format: "csv" }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    for (const user of [org.admin, org.owner]) {
      expect(parseCsv((await exportAs(user, { format: "csv" })).join("")).length).toBeGreaterThan(1);
    }
  });

  it("answers UNAUTHORIZED, NOT_FOUND and BAD_REQUEST like list", async () => {
    await expect(app.caller().audit.export({ orgId: org.id, format: "csv" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(
      app.caller(other.owner.accessToken).audit.export({ orgId: org.id, format: "json" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      app.caller(org.owner.accessToken).audit.export({ orgId: org.id, format: "xml" } as never),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("names the content type for the HTTP route", () => {
    expect(contentTypeFor("csv")).toBe("text/csv; charset=utf-8");
    expect(contentTypeFor("json")).toBe("application/json; charset=utf-8");
  });
});

describe("audit router surface", () => {
  it("offers no way to change or delete events", () => {
    const audit = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>)
      .filter(([path]) => path.startsWith("audit."))
      .map(([path, procedure]) => [path, procedure._def.type]);
    expect(Object.fromEntries(audit)).toEqual({
      "audit.list": "query",
      "audit.get": "query",
      "audit.stats": "query",
      "audit.export": "query",
      "audit.verify": "query",
    });
  });
});
