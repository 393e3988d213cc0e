import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, auditEvents, eq, exportJobs, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupExpiredExports, runExport } from "../../../src/domains/exports/index";
import { downloadExport } from "../../../src/domains/exports/service";
import { seedBot } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { readAll, seedActivity } from "./export-fixtures";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The platform keeps export files 3 days (`fileTtlHours`); orgs choose their `exports` period. */
const PLATFORM_TTL_HOURS = 72;
/**
 * The injected clock: the retention exports below complete two days ago, inside the platform's three
 * days, so whether a link is offered now depends on the org's period.
 */
const COMPLETED = new Date(Date.now() - 2 * DAY);
const FROM = { requestId: "req-download", ip: "198.51.100.23", userAgent: "auditor/1.0", origin: null };

let app: TestApp;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kyro-export-lifecycle-"));
  app = await createTestApp({
    settings: {
      exports: {
        storage: { kind: "local", dir },
        fileTtlHours: PLATFORM_TTL_HOURS,
        linkTtlSeconds: 600,
        pageSize: 50,
        maxAttempts: 3,
      },
    },
  });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function seededOrg(name: string, exportsDays?: number): Promise<SeededOrg> {
  const org = await app.seedOrg(name);
  const botId = (await seedBot(app, org.id)).id;
  await seedActivity(app, org.id, botId, { count: 2, endUserId: "visitor-1", email: "ada@example.com" });
  if (exportsDays !== undefined)
    await app.caller(org.owner.accessToken).retention.update({ orgId: org.id, exports: exportsDays });
  return org;
}

/** A leads export of the org, completed at COMPLETED by the injected clock. */
async function completedExport(org: SeededOrg): Promise<string> {
  const owner = app.caller(org.owner.accessToken);
  const { export: created } = await owner.exports.create({ orgId: org.id, kind: "leads", format: "csv" });
  await runExport(app.deps, created.id, () => COMPLETED);
  return created.id;
}

const stateOf = async (exportId: string) =>
  (
    await app.database.db
      .select({ status: exportJobs.status, expiresAt: exportJobs.expiresAt })
      .from(exportJobs)
      .where(eq(exportJobs.id, exportId))
  )[0];

/** The cleanup run just before and exactly at `expiresAt`: the file goes at the instant, not before. */
async function expectExpiresAt(exportId: string, expiresAt: Date) {
  expect((await stateOf(exportId))?.expiresAt).toEqual(expiresAt);
  await cleanupExpiredExports(app.deps, new Date(expiresAt.getTime() - 1));
  expect((await stateOf(exportId))?.status).toBe("completed");
  await cleanupExpiredExports(app.deps, expiresAt);
  expect((await stateOf(exportId))?.status).toBe("expired");
}

describe("the exports retention period", () => {
  it("a shorter org period than the platform's sets the file's expiry", async () => {
    const org = await seededOrg("Short exports", 1);
    const id = await completedExport(org);
    await expectExpiresAt(id, new Date(COMPLETED.getTime() + DAY));
  });

  it("a longer org period (and the 7-day default) is capped by the platform's fileTtlHours", async () => {
    const longer = await completedExport(await seededOrg("Long exports", 30));
    await expectExpiresAt(longer, new Date(COMPLETED.getTime() + PLATFORM_TTL_HOURS * HOUR));
    const defaulted = await completedExport(await seededOrg("Default exports"));
    expect((await stateOf(defaulted))?.expiresAt).toEqual(
      new Date(COMPLETED.getTime() + PLATFORM_TTL_HOURS * HOUR),
    );
  });

  it("shortening the period brings kept files' expiry forward; lengthening it does not extend them", async () => {
    const org = await seededOrg("Changing exports");
    const other = await seededOrg("Bystander exports");
    const id = await completedExport(org);
    const bystander = await completedExport(other);
    const owner = app.caller(org.owner.accessToken);
    expect((await owner.exports.get({ orgId: org.id, exportId: id })).export.downloadUrl).not.toBeNull();
    await owner.retention.update({ orgId: org.id, exports: 2 });
    expect((await stateOf(id))?.expiresAt).toEqual(new Date(COMPLETED.getTime() + 2 * DAY));
    await owner.retention.update({ orgId: org.id, exports: 1 });
    await owner.retention.update({ orgId: org.id, exports: null });
    expect((await stateOf(id))?.expiresAt).toEqual(new Date(COMPLETED.getTime() + DAY));
    // Another org's files keep their own expiry.
    expect((await stateOf(bystander))?.expiresAt).toEqual(
      new Date(COMPLETED.getTime() + PLATFORM_TTL_HOURS * HOUR),
    );
    await expectExpiresAt(id, new Date(COMPLETED.getTime() + DAY));
    // Once its period is shorter than the time since completion, the export offers no link.
    const { export: shown } = await owner.exports.get({ orgId: org.id, exportId: id });
    expect(shown.downloadUrl).toBeNull();
  });
});

const downloadsOf = (orgId: string) =>
  app.database.db
    .select({
      actorType: auditEvents.actorType,
      actorLabel: auditEvents.actorLabel,
      resourceId: auditEvents.resourceId,
      requestId: auditEvents.requestId,
      ip: auditEvents.ip,
      userAgent: auditEvents.userAgent,
      diff: auditEvents.diff,
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, "export.downloaded")));

/** The signed link `exports.get` hands out, as the download's input. */
async function linkOf(org: SeededOrg, exportId: string) {
  const { export: shown } = await app.caller(org.owner.accessToken).exports.get({ orgId: org.id, exportId });
  const url = new URL(shown.downloadUrl ?? "");
  return {
    exportId,
    format: "csv" as const,
    expires: Number(url.searchParams.get("expires")),
    signature: url.searchParams.get("signature") ?? "",
  };
}

describe("downloads by signed link", () => {
  it("are audited with the requester's IP and user agent before a byte is read", async () => {
    const org = await seededOrg("Audited downloads");
    const owner = app.caller(org.owner.accessToken);
    const { export: created } = await owner.exports.create({ orgId: org.id, kind: "leads", format: "csv" });
    await runExport(app.deps, created.id);
    const link = await linkOf(org, created.id);

    const file = await downloadExport(app.deps, link, FROM);
    // Recorded already, though nothing of the file has been read yet.
    expect(await downloadsOf(org.id)).toEqual([
      {
        actorType: "system",
        actorLabel: "signed link",
        resourceId: created.id,
        requestId: "req-download",
        ip: "198.51.100.23",
        userAgent: "auditor/1.0",
        diff: { before: null, after: { kind: "leads", format: "csv" } },
      },
    ]);
    expect(await readAll(file)).toContain("ada@example.com");

    // Refused links (tampered, or to a file that is gone) record nothing.
    await expect(
      downloadExport(app.deps, { ...link, expires: link.expires + 1 }, FROM),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await cleanupExpiredExports(app.deps, new Date(Date.now() + 400 * DAY));
    await expect(downloadExport(app.deps, link, FROM)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await downloadsOf(org.id)).toHaveLength(1);
    expect(await owner.audit.verify({ orgId: org.id })).toMatchObject({ ok: true });
  });

  it("are refused when the audit event cannot be written", async () => {
    const org = await seededOrg("Unrecordable downloads");
    const owner = app.caller(org.owner.accessToken);
    const { export: created } = await owner.exports.create({ orgId: org.id, kind: "leads", format: "csv" });
    await runExport(app.deps, created.id);
    const link = await linkOf(org, created.id);
    const db = app.database.db;
    await db.execute(sql`create or replace function kyro_test_refuse_download() returns trigger
      language plpgsql as $$ begin raise exception 'audit unavailable'; end $$`);
    await db.execute(sql`create trigger kyro_test_refuse_download before insert on audit_events
      for each row when (new.action = 'export.downloaded') execute function kyro_test_refuse_download()`);
    try {
      const refused = await downloadExport(app.deps, link, FROM).then(
        () => null,
        (error: Error) => error,
      );
      // Drizzle wraps the database's error as the cause of its own.
      expect((refused?.cause as Error | undefined)?.message).toContain("audit unavailable");
    } finally {
      await db.execute(sql`drop trigger kyro_test_refuse_download on audit_events`);
    }
    expect(await downloadsOf(org.id)).toEqual([]);
    // The file itself is untouched: the next download, recorded, serves it.
    expect(await readAll(await downloadExport(app.deps, link, FROM))).toContain("ada@example.com");
    expect(await downloadsOf(org.id)).toHaveLength(1);
  });
});
