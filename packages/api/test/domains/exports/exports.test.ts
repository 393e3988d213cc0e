import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, exportJobs } from "@kyro/db";
import { createObjectStorage } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupExpiredExports, runExport } from "../../../src/domains/exports/index";
import { downloadExport } from "../../../src/domains/exports/service";
import { auditRows, failureOf } from "../../auth-helpers";
import { eventsOf, seedBot } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { cutAfter, readAll, seedActivity } from "./export-fixtures";

let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
let botId: string;
let otherBotId: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kyro-exports-test-"));
  app = await createTestApp({
    settings: {
      exports: {
        storage: { kind: "local", dir },
        fileTtlHours: 24,
        linkTtlSeconds: 600,
        pageSize: 3,
        maxAttempts: 3,
      },
    },
  });
  org = await app.seedOrg("Exports");
  other = await app.seedOrg("Exports Elsewhere");
  botId = (await seedBot(app, org.id)).id;
  otherBotId = (await seedBot(app, org.id)).id;
  await seedActivity(app, org.id, botId, { count: 7, endUserId: "visitor-42", email: "ada@example.com" });
  await seedActivity(app, org.id, otherBotId, { count: 2, endUserId: "visitor-7", email: "bob@example.com" });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const owner = () => app.caller(org.owner.accessToken);
/** Where the signed-link downloads below come from, as the audit log records it. */
const FROM = { requestId: "download-1", ip: "203.0.113.9", userAgent: "curl/8.5.0", origin: null };

/** Creates an export as the owner, runs its job here, and returns the finished export and its file. */
async function exported(input: Parameters<ReturnType<typeof owner>["exports"]["create"]>[0]) {
  const { export: created } = await owner().exports.create(input);
  expect(created).toMatchObject({ status: "queued", progress: 0, downloadUrl: null });
  await runExport(app.deps, created.id);
  const { export: done } = await owner().exports.get({ orgId: org.id, exportId: created.id });
  const url = new URL(done.downloadUrl ?? "");
  const file = await downloadExport(
    app.deps,
    {
      exportId: done.id,
      format: url.searchParams.get("format") as "csv",
      expires: Number(url.searchParams.get("expires")),
      signature: url.searchParams.get("signature") ?? "",
    },
    FROM,
  );
  return { done, text: await readAll(file) };
}

describe("export jobs", () => {
  it("exports a bot's conversations with their messages as NDJSON, in pages, with progress 100", async () => {
    const { done, text } = await exported({ orgId: org.id, kind: "conversations", format: "ndjson", botId });
    expect(done).toMatchObject({
      status: "completed",
      rowsTotal: 7,
      rowsWritten: 7,
      progress: 100,
      attempts: 1,
    });
    const rows = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((row) => row.id)).size).toBe(7);
    expect(rows[0]).toMatchObject({ botId, endUserId: "visitor-42", role: "visitor" });
    expect(done.bytes).toBe(Buffer.byteLength(text));
    const [event] = (await eventsOf(app, org.id, "export.completed")).slice(-1);
    expect(event?.data).toMatchObject({
      exportId: done.id,
      kind: "conversations",
      rows: 7,
      bytes: done.bytes,
    });
  });

  it("writes CSV (formula cells guarded, quoted newlines) and a JSON array", async () => {
    const csv = await exported({ orgId: org.id, kind: "conversations", format: "csv", botId });
    const [header] = csv.text.split("\r\n");
    expect(header).toBe(
      "id,conversationId,botId,channel,conversationStatus,endUserId,origin,conversationCreatedAt,role,content,authorId,createdAt",
    );
    expect(csv.text).toContain(`"'=SUM(A1), ""quoted""\nnext line"`);
    const json = await exported({ orgId: org.id, kind: "leads", format: "json" });
    const leads = JSON.parse(json.text);
    expect(leads.map((lead: { email: string }) => lead.email).sort()).toEqual([
      "ada@example.com",
      "bob@example.com",
    ]);
  });

  it("filters by date range", async () => {
    const { done } = await exported({
      orgId: org.id,
      kind: "conversations",
      format: "csv",
      from: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(done).toMatchObject({ rowsTotal: 0, rowsWritten: 0, status: "completed" });
  });

  it("hashes (keyed, stable) or omits visitor identifiers and emails", async () => {
    const hashed = JSON.parse(
      (await exported({ orgId: org.id, kind: "leads", format: "json", pii: "hash" })).text,
    );
    const again = JSON.parse(
      (await exported({ orgId: org.id, kind: "leads", format: "json", pii: "hash" })).text,
    );
    expect(hashed[0].email).toMatch(/^[0-9a-f]{32}$/);
    expect(hashed[0].email).toBe(again[0].email);
    expect(hashed[0]).toMatchObject({ name: null, phone: null, customFields: {} });
    const omitted = await exported({ orgId: org.id, kind: "conversations", format: "ndjson", pii: "omit" });
    expect(omitted.text).not.toContain("visitor-42");
    expect(JSON.parse(omitted.text.split("\n")[0] ?? "").endUserId).toBeNull();
    const audit = await exported({ orgId: org.id, kind: "audit", format: "csv", pii: "hash" });
    expect(audit.text).not.toContain(org.owner.email);
  });

  it("exports feedback, tickets, knowledge and usage", async () => {
    for (const kind of ["feedback", "tickets", "knowledge", "usage"] as const) {
      const { done, text } = await exported({ orgId: org.id, kind, format: "csv" });
      expect(done.status, kind).toBe("completed");
      expect(text.split("\r\n")[0]?.startsWith("id,"), kind).toBe(true);
    }
  });

  it("records the request in the audit log and lists exports newest first", async () => {
    const { export: created } = await owner().exports.create({ orgId: org.id, kind: "leads", format: "csv" });
    const rows = await auditRows(app, { action: "export.created", actorId: org.owner.id });
    expect(rows.at(-1)).toMatchObject({ orgId: org.id, resourceType: "export", resourceId: created.id });
    const page = await owner().exports.list({ orgId: org.id, limit: 2 });
    expect(page.items[0]?.id).toBe(created.id);
    expect(page.nextCursor).not.toBeNull();
  });
});

describe("who may export", () => {
  it("refuses the unauthenticated, other orgs (404) and roles without the permission", async () => {
    expect((await failureOf(app.caller().exports.list({ orgId: org.id }))).code).toBe("UNAUTHORIZED");
    const outsider = app.caller(other.owner.accessToken);
    expect((await failureOf(outsider.exports.list({ orgId: org.id }))).code).toBe("NOT_FOUND");
    const { export: mine } = await owner().exports.create({ orgId: org.id, kind: "leads", format: "csv" });
    const foreign = await failureOf(outsider.exports.get({ orgId: other.id, exportId: mine.id }));
    expect(foreign.code).toBe("NOT_FOUND");
    const agent = app.caller(org.agent.accessToken);
    const refused = await failureOf(agent.exports.create({ orgId: org.id, kind: "leads", format: "csv" }));
    expect(refused).toMatchObject({ code: "FORBIDDEN", details: { reason: "role" } });
    const otherBot = await seedBot(app, other.id);
    const wrongBot = owner().exports.create({
      orgId: org.id,
      kind: "leads",
      format: "csv",
      botId: otherBot.id,
    });
    expect((await failureOf(wrongBot)).code).toBe("NOT_FOUND");
  });

  it("requires the permission that reads the kind: an admin:org key may export audit, not conversations", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const caller = app.caller(key.key);
    await caller.exports.create({ orgId: org.id, kind: "audit", format: "csv" });
    const refused = await failureOf(
      caller.exports.create({ orgId: org.id, kind: "conversations", format: "csv" }),
    );
    expect(refused).toMatchObject({ code: "FORBIDDEN", details: { reason: "scope" } });
    const reader = app.caller((await app.seedApiKey(org.id, { scopes: ["read:bots"] })).key);
    expect((await failureOf(reader.exports.list({ orgId: org.id }))).code).toBe("FORBIDDEN");
  });
});

describe("crashes and expiry", () => {
  it("a run cut mid-file leaves no file and the retry writes the whole export once", async () => {
    const real = app.deps.exportStorage;
    const { export: created } = await owner().exports.create({
      orgId: org.id,
      kind: "conversations",
      format: "csv",
    });
    app.deps.exportStorage = cutAfter(real, 2);
    try {
      await expect(runExport(app.deps, created.id)).rejects.toThrow("worker killed");
    } finally {
      app.deps.exportStorage = real;
    }
    const { export: cut } = await owner().exports.get({ orgId: org.id, exportId: created.id });
    expect(cut).toMatchObject({ status: "running", attempts: 1, downloadUrl: null });
    expect(
      (await readdir(join(dir, "exports", org.id))).filter((name) => name.startsWith(created.id)),
    ).toEqual([]);
    await runExport(app.deps, created.id);
    const { export: done } = await owner().exports.get({ orgId: org.id, exportId: created.id });
    expect(done).toMatchObject({ status: "completed", attempts: 2, rowsWritten: 9 });
  });

  it("fails cleanly once the attempts are spent", async () => {
    const real = app.deps.exportStorage;
    const { export: created } = await owner().exports.create({
      orgId: org.id,
      kind: "conversations",
      format: "csv",
    });
    app.deps.exportStorage = cutAfter(real, 1);
    try {
      for (let attempt = 1; attempt < 3; attempt++)
        await expect(runExport(app.deps, created.id)).rejects.toThrow();
      await runExport(app.deps, created.id);
    } finally {
      app.deps.exportStorage = real;
    }
    const { export: failed } = await owner().exports.get({ orgId: org.id, exportId: created.id });
    expect(failed).toMatchObject({ status: "failed", attempts: 3, downloadUrl: null });
    // A late duplicate delivery of the job changes nothing, and announces nothing again.
    await runExport(app.deps, created.id);
    expect((await owner().exports.get({ orgId: org.id, exportId: created.id })).export.status).toBe("failed");
    const announced = (await eventsOf(app, org.id, "export.failed")).filter(
      (event) => (event.data as { exportId?: string }).exportId === created.id,
    );
    expect(announced.map((event) => event.data)).toEqual([
      {
        exportId: created.id,
        kind: "conversations",
        format: "csv",
        attempts: 3,
        error: "The export could not be written",
      },
    ]);
  });

  it("deletes files when they expire (injected clock) and refuses tampered or expired links with 403", async () => {
    const { done } = await exported({ orgId: org.id, kind: "leads", format: "csv" });
    const url = new URL(done.downloadUrl ?? "");
    const link = {
      exportId: done.id,
      format: "csv" as const,
      expires: Number(url.searchParams.get("expires")),
      signature: url.searchParams.get("signature") ?? "",
    };
    await expect(
      downloadExport(app.deps, { ...link, expires: link.expires + 3600 }, FROM),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      details: { reason: "invalid_link" },
    });
    await expect(
      downloadExport(app.deps, { ...link, exportId: "00000000-0000-7000-8000-000000000000" }, FROM),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const later = new Date((link.expires + 1) * 1000);
    await expect(downloadExport(app.deps, link, FROM, later)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const expiresAt = done.expiresAt ?? new Date();
    const stateOf = async () =>
      (
        await app.database.db
          .select({ status: exportJobs.status, storageKey: exportJobs.storageKey })
          .from(exportJobs)
          .where(eq(exportJobs.id, done.id))
      )[0];
    await cleanupExpiredExports(app.deps, new Date(expiresAt.getTime() - 1000));
    expect((await stateOf())?.status).toBe("completed");
    expect(await cleanupExpiredExports(app.deps, expiresAt)).toBeGreaterThanOrEqual(1);
    expect(await stateOf()).toEqual({ status: "expired", storageKey: null });
    expect((await readdir(join(dir, "exports", org.id))).some((name) => name.startsWith(done.id))).toBe(
      false,
    );
    await expect(downloadExport(app.deps, link, FROM)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("on an S3-compatible store", () => {
  it("writes and serves the export through the bucket", async () => {
    const { startS3Server } = await import("../../../../platform/test/s3-server");
    const s3 = await startS3Server();
    const real = app.deps.exportStorage;
    const bucket = createObjectStorage(s3.config);
    app.deps.exportStorage = bucket;
    try {
      const { done, text } = await exported({ orgId: org.id, kind: "conversations", format: "json", botId });
      expect(JSON.parse(text)).toHaveLength(7);
      expect(await cleanupExpiredExports(app.deps, done.expiresAt ?? new Date())).toBeGreaterThanOrEqual(1);
      await expect(bucket.get(`exports/${org.id}/${done.id}.json`)).rejects.toThrow("No stored object");
    } finally {
      app.deps.exportStorage = real;
      bucket.close();
      await s3.close();
    }
  });
});
