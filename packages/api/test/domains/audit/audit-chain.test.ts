import { readFileSync } from "node:fs";
import { auditChainHeads, auditEvents, eq, migrationsFolder, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalEvent, eventHash, GENESIS_HASH } from "../../../src/core/audit-chain";
import { type AuditScope, recordAudit } from "../../../src/core/audit-log";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

const scope: AuditScope = {
  actor: { type: "system", id: null, label: "chain-test" },
  request: { requestId: "req-chain", ip: "203.0.113.9", userAgent: "chain/1.0", origin: null },
};

/** Diffs that exercise the canonical form: key order, escapes, non-ASCII keys, nested arrays, decimals. */
const diffFor = (index: number) => ({
  after: {
    zeta: index,
    alpha: [1, { b: 0.7, a: 'quote " backslash \\ tab \t' }],
    "é-ключ": "näive ✓ 😀",
    empty: {},
    nothing: null,
  },
  before: null,
});

async function write(orgId: string, count: number, from = 0): Promise<void> {
  for (let index = from; index < from + count; index++) {
    await app.database.db.transaction((tx) =>
      recordAudit(tx, scope, {
        orgId,
        action: "bot.updated",
        resourceType: "bot",
        resourceId: `b${index}`,
        after: diffFor(index).after,
      }),
    );
  }
}

const verify = (org: SeededOrg) => app.caller(org.owner.accessToken).audit.verify({ orgId: org.id });

async function chain(orgId: string) {
  return app.database.db
    .select({ id: auditEvents.id, chainSeq: auditEvents.chainSeq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(eq(auditEvents.orgId, orgId))
    .orderBy(auditEvents.chainSeq);
}

async function freshOrg(events = 6): Promise<{ org: SeededOrg; rows: Awaited<ReturnType<typeof chain>> }> {
  const org = await app.seedOrg("Chain");
  await write(org.id, events);
  return { org, rows: await chain(org.id) };
}

describe("audit chain", () => {
  it("chains every event of an org from the genesis hash, and verify answers ok with the count", async () => {
    const { org, rows } = await freshOrg();
    const result = await verify(org);
    expect(result).toMatchObject({
      ok: true,
      count: rows.length,
      firstSeq: 1,
      anchor: GENESIS_HASH,
      broken: null,
    });
    expect(result.lastSeq).toBe(rows.length);
    expect(result.head).toEqual({ seq: rows.length, hash: rows.at(-1)?.hash });
  });

  it("keeps valid chains under concurrent writes from two orgs and within one org", async () => {
    const a = await app.seedOrg("Concurrent A");
    const b = await app.seedOrg("Concurrent B");
    await Promise.all([
      ...Array.from({ length: 20 }, (_, index) => write(a.id, 1, index)),
      ...Array.from({ length: 20 }, (_, index) => write(b.id, 1, index)),
    ]);
    for (const org of [a, b]) {
      const result = await verify(org);
      expect(result.ok).toBe(true);
      expect(result.count).toBe((await chain(org.id)).length);
    }
  });

  it("names an event whose content was changed", async () => {
    const { org, rows } = await freshOrg();
    const target = rows[2];
    await app.database.db
      .update(auditEvents)
      .set({ action: "bot.deleted" })
      .where(eq(auditEvents.id, target?.id ?? ""));
    const result = await verify(org);
    expect(result.ok).toBe(false);
    expect(result.broken).toMatchObject({
      kind: "hash",
      id: target?.id,
      chainSeq: target?.chainSeq,
      found: target?.hash,
    });
    expect(result.broken?.expected).not.toBe(target?.hash);
  });

  it("names the next event when a changed event's own hash was recomputed", async () => {
    const { org, rows } = await freshOrg();
    const target = rows[1];
    await app.database.db
      .update(auditEvents)
      .set({ action: "bot.deleted", hash: "f".repeat(64) })
      .where(eq(auditEvents.id, target?.id ?? ""));
    // The forged hash still fails its own check first; a consistent forgery breaks the next link.
    expect((await verify(org)).broken).toMatchObject({ kind: "hash", id: target?.id });
    const [row] = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.id, target?.id ?? ""));
    if (!row || row.orgId === null || row.chainSeq === null || row.prevHash === null)
      throw new Error("row lost");
    const forged = eventHash({ ...row, orgId: row.orgId, chainSeq: row.chainSeq, prevHash: row.prevHash });
    await app.database.db.update(auditEvents).set({ hash: forged }).where(eq(auditEvents.id, row.id));
    expect((await verify(org)).broken).toMatchObject({
      kind: "link",
      id: rows[2]?.id,
      expected: forged,
      found: target?.hash,
    });
  });

  it("names the event after a deleted one", async () => {
    const { org, rows } = await freshOrg();
    await app.database.db.delete(auditEvents).where(eq(auditEvents.id, rows[3]?.id ?? ""));
    expect((await verify(org)).broken).toMatchObject({
      kind: "sequence",
      id: rows[4]?.id,
      expected: "4",
      found: "5",
    });
  });

  it("names a reordered event", async () => {
    const { org, rows } = await freshOrg();
    const [first, second] = [rows[1], rows[2]];
    await app.database.db.transaction(async (tx) => {
      await tx
        .update(auditEvents)
        .set({ chainSeq: -1 })
        .where(eq(auditEvents.id, first?.id ?? ""));
      await tx
        .update(auditEvents)
        .set({ chainSeq: first?.chainSeq })
        .where(eq(auditEvents.id, second?.id ?? ""));
      await tx
        .update(auditEvents)
        .set({ chainSeq: second?.chainSeq })
        .where(eq(auditEvents.id, first?.id ?? ""));
    });
    expect((await verify(org)).broken).toMatchObject({ id: second?.id, chainSeq: first?.chainSeq });
  });

  it("notices events deleted from the end through the chain head", async () => {
    const { org, rows } = await freshOrg();
    await app.database.db.delete(auditEvents).where(eq(auditEvents.id, rows.at(-1)?.id ?? ""));
    expect((await verify(org)).broken).toMatchObject({ kind: "head", chainSeq: rows.length - 1 });
  });

  it("names an event inserted around the writer", async () => {
    const { org } = await freshOrg(2);
    const [stray] = await app.database.db
      .insert(auditEvents)
      .values({ orgId: org.id, actorType: "system", action: "bot.updated", resourceType: "bot" })
      .returning({ id: auditEvents.id });
    expect((await verify(org)).broken).toMatchObject({ kind: "unchained", id: stray?.id });
  });

  it("accepts a purged prefix, anchored on the oldest remaining event's previous hash", async () => {
    const { org, rows } = await freshOrg();
    for (const row of rows.slice(0, 3))
      await app.database.db.delete(auditEvents).where(eq(auditEvents.id, row.id));
    expect(await verify(org)).toMatchObject({
      ok: true,
      count: rows.length - 3,
      firstSeq: 4,
      anchor: rows[2]?.hash,
    });
  });

  it("stays inside the caller's org: UNAUTHORIZED, NOT_FOUND, FORBIDDEN", async () => {
    const { org } = await freshOrg(1);
    const other = await app.seedOrg("Neighbour");
    await expect(app.caller().audit.verify({ orgId: org.id })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(app.caller(other.owner.accessToken).audit.verify({ orgId: org.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(app.caller(org.agent.accessToken).audit.verify({ orgId: org.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const key = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    await expect(app.caller(key.key).audit.verify({ orgId: org.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const admin = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    expect((await app.caller(admin.key).audit.verify({ orgId: org.id })).ok).toBe(true);
  });
});

describe("migration 0013 backfill", () => {
  const statements = readFileSync(`${migrationsFolder}/0013_audit_chain.sql`, "utf8").split(
    "--> statement-breakpoint",
  );
  const backfill = statements.slice(statements.findIndex((statement) => statement.includes("date_trunc")));

  it("chains legacy events exactly as the writer does, and the writer continues the chain", async () => {
    const org = await app.seedOrg("Legacy");
    await app.database.db.delete(auditEvents).where(eq(auditEvents.orgId, org.id));
    await app.database.db.delete(auditChainHeads).where(eq(auditChainHeads.orgId, org.id));
    for (let index = 0; index < 5; index++) {
      await app.database.db.insert(auditEvents).values({
        orgId: org.id,
        actorType: "user",
        actorId: org.owner.id,
        actorLabel: org.owner.email,
        action: "org.updated",
        resourceType: "organization",
        resourceId: org.id,
        diff: diffFor(index),
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index, 123)),
      });
    }
    await app.database.db.transaction(async (tx) => {
      for (const statement of backfill) await tx.execute(sql.raw(statement));
    });
    expect(await verify(org)).toMatchObject({ ok: true, count: 5, firstSeq: 1, anchor: GENESIS_HASH });
    await write(org.id, 2);
    expect(await verify(org)).toMatchObject({ ok: true, count: 7 });
  });

  it("documents the canonical form it hashes", () => {
    const text = canonicalEvent({
      orgId: "o",
      chainSeq: 1,
      prevHash: GENESIS_HASH,
      id: "i",
      createdAt: new Date("2026-01-01T00:00:00.123Z"),
      actorType: "system",
      actorId: null,
      actorLabel: null,
      action: "a",
      resourceType: "r",
      resourceId: null,
      requestId: null,
      ip: null,
      userAgent: null,
      diff: { b: 1, a: [true, "x"] },
    });
    expect(text).toBe(
      `["kyro-audit-v1","o",1,"${GENESIS_HASH}","i","2026-01-01T00:00:00.123Z","system",null,null,"a","r",null,null,null,null,{"a":[true,"x"],"b":1}]`,
    );
  });
});
