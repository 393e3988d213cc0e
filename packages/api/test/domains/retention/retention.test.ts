import {
  and,
  auditEvents,
  conversations,
  eq,
  leads,
  messages,
  retentionPolicies,
  usageEvents,
} from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeExpired } from "../../../src/domains/retention/index";
import { seedBot, seedConversation } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

const DAY = 86_400_000;
const MINUTE = 60_000;
/** The injected clock: every age below is measured from here. */
const NOW = new Date("2026-06-01T12:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ settings: { retention: { auditMinimumDays: 180 } } });
});
afterAll(async () => {
  await app?.close();
});

async function seedMessages(org: SeededOrg, ages: number[]) {
  const bot = await seedBot(app, org.id);
  const conversationId = await seedConversation(app, org.id, bot.id, { lastMessageAt: NOW });
  const rows = await app.database.db
    .insert(messages)
    .values(
      ages.map((age, index) => ({
        orgId: org.id,
        conversationId,
        botId: bot.id,
        role: "visitor" as const,
        content: `message ${index}`,
        createdAt: ago(age),
      })),
    )
    .returning({ id: messages.id, content: messages.content });
  return { botId: bot.id, conversationId, ids: rows.map((row) => row.id) };
}

const contentsOf = async (orgId: string) =>
  (
    await app.database.db
      .select({ content: messages.content })
      .from(messages)
      .where(eq(messages.orgId, orgId))
      .orderBy(messages.content)
  ).map((row) => row.content);

const receiptsOf = (orgId: string) =>
  app.database.db
    .select({ actorType: auditEvents.actorType, diff: auditEvents.diff })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, "retention.purged")))
    .orderBy(auditEvents.id);

describe("retention.get / retention.update", () => {
  it("shows the defaults, stores choices, resets with null, and audits the change", async () => {
    const org = await app.seedOrg("Policy");
    const owner = app.caller(org.owner.accessToken);
    const initial = await owner.retention.get({ orgId: org.id });
    expect(initial.retention.days).toMatchObject({
      messages: 365,
      leads: 730,
      audit: 730,
      webhookDeliveries: 30,
    });
    expect(initial.retention.defaulted).toHaveLength(8);
    expect(initial.retention.auditMinimumDays).toBe(180);

    const updated = await app
      .caller(org.admin.accessToken)
      .retention.update({ orgId: org.id, messages: 30, audit: 200 });
    expect(updated.retention.days).toMatchObject({ messages: 30, audit: 200, leads: 730 });
    expect(updated.retention.defaulted).not.toContain("messages");

    const reset = await owner.retention.update({ orgId: org.id, messages: null });
    expect(reset.retention.days.messages).toBe(365);
    expect(reset.retention.days.audit).toBe(200);

    const audits = await app.database.db
      .select({ diff: auditEvents.diff })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "retention.updated")));
    expect(audits).toHaveLength(2);
    expect(audits[0]?.diff?.after).toMatchObject({ messages: 30, audit: 200 });
  });

  it("refuses an audit period under the platform minimum and bad days, changing nothing", async () => {
    const org = await app.seedOrg("Policy Floor");
    const owner = app.caller(org.owner.accessToken);
    await expect(owner.retention.update({ orgId: org.id, audit: 179 })).rejects.toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
    });
    for (const messagesDays of [0, 1.5, 3651]) {
      await expect(owner.retention.update({ orgId: org.id, messages: messagesDays })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
    const stored = await app.database.db
      .select({ orgId: retentionPolicies.orgId })
      .from(retentionPolicies)
      .where(eq(retentionPolicies.orgId, org.id));
    expect(stored).toEqual([]);
  });

  it("is for owners and admins, in their own org", async () => {
    const org = await app.seedOrg("Policy Roles");
    const other = await app.seedOrg("Policy Other");
    await expect(app.caller(org.agent.accessToken).retention.get({ orgId: org.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      app.caller(org.viewer.accessToken).retention.update({ orgId: org.id, leads: 10 }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(app.caller(other.owner.accessToken).retention.get({ orgId: org.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(app.caller("nope").retention.get({ orgId: org.id })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    const key = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    await expect(app.caller(key.key).retention.get({ orgId: org.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("purgeExpired", () => {
  it("deletes what is just outside the period and keeps what is just inside, with receipts", async () => {
    const org = await app.seedOrg("Purge Boundary");
    const bystander = await app.seedOrg("Purge Bystander");
    await app.caller(org.owner.accessToken).retention.update({ orgId: org.id, messages: 30 });
    const boundary = 30 * DAY;
    await seedMessages(org, [boundary + MINUTE, boundary + 2 * MINUTE, boundary - MINUTE, MINUTE]);
    await seedMessages(bystander, [boundary + MINUTE]);

    const receipts = await purgeExpired(app.deps, { now: NOW, orgIds: [org.id, bystander.id] });

    expect(await contentsOf(org.id)).toEqual(["message 2", "message 3"]);
    // The bystander follows the default year.
    expect(await contentsOf(bystander.id)).toEqual(["message 0"]);
    expect(receipts).toEqual([
      { orgId: org.id, category: "messages", table: "messages", deleted: 2, before: ago(boundary) },
    ]);
    const stored = await receiptsOf(org.id);
    expect(stored).toEqual([
      {
        actorType: "system",
        diff: {
          before: null,
          after: { category: "messages", table: "messages", deleted: 2, before: ago(boundary).toISOString() },
        },
      },
    ]);
  });

  it("deletes in bounded batches, one receipt per batch, and a second run finds nothing", async () => {
    const org = await app.seedOrg("Purge Batches");
    await app.caller(org.owner.accessToken).retention.update({ orgId: org.id, messages: 1 });
    await seedMessages(org, [2 * DAY, 3 * DAY, 4 * DAY, 5 * DAY, 6 * DAY]);
    const receipts = await purgeExpired(app.deps, { now: NOW, orgIds: [org.id], batchSize: 2 });
    expect(receipts).toMatchObject([{ table: "messages", deleted: 5 }]);
    expect((await receiptsOf(org.id)).map((row) => row.diff?.after?.deleted)).toEqual([2, 2, 1]);
    expect(await purgeExpired(app.deps, { now: NOW, orgIds: [org.id], batchSize: 2 })).toEqual([]);
  });

  it("lowers a live conversation's messageCount by the messages purged, batch by batch", async () => {
    const org = await app.seedOrg("Purge Counts");
    await app.caller(org.owner.accessToken).retention.update({ orgId: org.id, messages: 30 });
    const boundary = 30 * DAY;
    const live = await seedMessages(org, [
      boundary + MINUTE,
      boundary + 2 * MINUTE,
      boundary + 3 * MINUTE,
      MINUTE,
    ]);
    const fresh = await seedMessages(org, [MINUTE, 2 * MINUTE]);
    const db = app.database.db;
    // The counts as the conversations service keeps them, plus one: a message added while the purge
    // runs is counted without being seen by it, and must stay counted.
    await db.update(conversations).set({ messageCount: 5 }).where(eq(conversations.id, live.conversationId));
    await db.update(conversations).set({ messageCount: 2 }).where(eq(conversations.id, fresh.conversationId));

    await purgeExpired(app.deps, { now: NOW, orgIds: [org.id], batchSize: 2 });

    const counts = await db
      .select({ id: conversations.id, messageCount: conversations.messageCount })
      .from(conversations)
      .where(eq(conversations.orgId, org.id));
    expect(Object.fromEntries(counts.map((row) => [row.id, row.messageCount]))).toEqual({
      [live.conversationId]: 2,
      [fresh.conversationId]: 2,
    });
    expect(await contentsOf(org.id)).toEqual(["message 0", "message 1", "message 3"]);
  });

  it("drops idle conversations, old leads and usage, and keeps audit for the platform minimum", async () => {
    const org = await app.seedOrg("Purge Kinds");
    const owner = app.caller(org.owner.accessToken);
    await owner.retention.update({ orgId: org.id, messages: 10, leads: 20, usageEvents: 40, audit: 180 });
    const bot = await seedBot(app, org.id);
    const idle = await seedConversation(app, org.id, bot.id, { createdAt: ago(11 * DAY) });
    const active = await seedConversation(app, org.id, bot.id, {
      createdAt: ago(50 * DAY),
      lastMessageAt: ago(9 * DAY),
    });
    const db = app.database.db;
    await db.insert(leads).values([
      {
        orgId: org.id,
        botId: bot.id,
        email: "old@example.test",
        source: "api",
        updatedAt: ago(20 * DAY + MINUTE),
      },
      {
        orgId: org.id,
        botId: bot.id,
        email: "new@example.test",
        source: "api",
        updatedAt: ago(20 * DAY - MINUTE),
      },
    ]);
    await db.insert(usageEvents).values(
      [41, 39].map((days) => ({
        orgId: org.id,
        model: "m",
        kind: "chat" as const,
        inputTokens: 1,
        outputTokens: 1,
        costMicros: 0,
        createdAt: ago(days * DAY),
      })),
    );
    await db.insert(auditEvents).values(
      [181, 179].map((days) => ({
        orgId: org.id,
        actorType: "system" as const,
        action: `test.aged-${days}`,
        resourceType: "test",
        createdAt: ago(days * DAY),
      })),
    );

    await purgeExpired(app.deps, { now: NOW, orgIds: [org.id] });

    const left = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.orgId, org.id));
    expect(left.map((row) => row.id)).toEqual([active]);
    expect(left.map((row) => row.id)).not.toContain(idle);
    const leadEmails = await db.select({ email: leads.email }).from(leads).where(eq(leads.orgId, org.id));
    expect(leadEmails).toEqual([{ email: "new@example.test" }]);
    const usage = await db
      .select({ id: usageEvents.id })
      .from(usageEvents)
      .where(eq(usageEvents.orgId, org.id));
    expect(usage).toHaveLength(1);
    const aged = await db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.resourceType, "test")));
    expect(aged).toEqual([{ action: "test.aged-179" }]);
    expect((await receiptsOf(org.id)).map((row) => row.diff?.after?.table).sort()).toEqual([
      "audit_events",
      "conversations",
      "leads",
      "usage_events",
    ]);
  });
});
