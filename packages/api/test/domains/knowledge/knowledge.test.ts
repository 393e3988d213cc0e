import { bots, eq, knowledgeEntries, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWLEDGE_LIMITS } from "../../../src/domains/knowledge/schemas";
import { auditRows, failureOf } from "../../auth-helpers";
import { failKnowledgeInsertsOf, seedBot } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
let botId: string;

const entry = (index: number) => ({
  question: `Question number ${index} about widgets`,
  answer: `Answer ${index}`,
  tags: [`tag${index % 7}`],
});
const OLD_SET = Array.from({ length: 3 }, (_, index) => entry(index));

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Knowledge");
  other = await app.seedOrg("Elsewhere");
  botId = (await seedBot(app, org.id)).id;
});
afterAll(async () => {
  await app?.close();
});

const admin = () => app.caller(org.admin.accessToken);
/** Every question of the bot's set, in order, read page by page. */
async function listAll(id = botId): Promise<string[]> {
  const questions: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await admin().knowledge.entries.list({ orgId: org.id, botId: id, limit: 100, cursor });
    questions.push(...page.items.map((item) => item.question));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return questions;
}

describe("knowledge.entries.replace and list", () => {
  it("replaces the whole set in order, audited, and lists it by pages", async () => {
    const first = await admin().knowledge.entries.replace({ orgId: org.id, botId, entries: OLD_SET });
    expect(first).toEqual({ botId, count: 3, previousCount: 0 });
    const entries = Array.from({ length: 5 }, (_, index) => entry(100 + index));
    const second = await admin().knowledge.entries.replace({ orgId: org.id, botId, entries });
    expect(second).toEqual({ botId, count: 5, previousCount: 3 });

    const page1 = await admin().knowledge.entries.list({ orgId: org.id, botId, limit: 2 });
    expect(page1.total).toBe(5);
    expect(page1.items.map((item) => item.position)).toEqual([0, 1]);
    const page2 = await admin().knowledge.entries.list({
      orgId: org.id,
      botId,
      limit: 2,
      cursor: page1.nextCursor ?? "",
    });
    const page3 = await admin().knowledge.entries.list({
      orgId: org.id,
      botId,
      limit: 2,
      cursor: page2.nextCursor ?? "",
    });
    expect([...page1.items, ...page2.items, ...page3.items].map((item) => item.question)).toEqual(
      entries.map((item) => item.question),
    );
    expect(page3.nextCursor).toBeNull();
    expect(page3.items[0]).toMatchObject({ answer: "Answer 104", tags: ["tag6"], position: 4 });

    const audits = (await auditRows(app, { action: "knowledge.replaced" })).filter(
      (row) => row.orgId === org.id,
    );
    expect(audits.at(-1)).toMatchObject({
      actorId: org.admin.id,
      resourceType: "bot",
      resourceId: botId,
      diff: { before: { entries: 3 }, after: { entries: 5 } },
    });
  });

  it("trims text and refuses NUL characters, invalid cursors and oversized fields with clear errors", async () => {
    await admin().knowledge.entries.replace({ orgId: org.id, botId, entries: OLD_SET });
    const tooLong = await failureOf(
      admin().knowledge.entries.replace({
        orgId: org.id,
        botId,
        entries: [{ question: "q".repeat(KNOWLEDGE_LIMITS.questionChars + 1), answer: "a" }],
      }),
    );
    expect(tooLong.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(tooLong.details)).toContain("A question must be at most 1,000 characters");
    const longAnswer = await failureOf(
      admin().knowledge.entries.replace({
        orgId: org.id,
        botId,
        entries: [{ question: "q", answer: "a".repeat(KNOWLEDGE_LIMITS.answerChars + 1) }],
      }),
    );
    expect(JSON.stringify(longAnswer.details)).toContain("An answer must be at most 10,000 characters");
    const manyTags = await failureOf(
      admin().knowledge.entries.replace({
        orgId: org.id,
        botId,
        entries: [{ question: "q", answer: "a", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
      }),
    );
    expect(JSON.stringify(manyTags.details)).toContain("At most 20 tags per entry");
    const nul = await failureOf(
      admin().knowledge.entries.replace({
        orgId: org.id,
        botId,
        entries: [{ question: "a\u0000b", answer: "x" }],
      }),
    );
    expect(nul.code).toBe("BAD_REQUEST");
    const blank = await failureOf(
      admin().knowledge.entries.replace({
        orgId: org.id,
        botId,
        entries: [{ question: "   ", answer: "x" }],
      }),
    );
    expect(JSON.stringify(blank.details)).toContain("A question must not be empty");
    expect(
      (await failureOf(admin().knowledge.entries.list({ orgId: org.id, botId, cursor: "not-a-cursor" })))
        .code,
    ).toBe("BAD_REQUEST");
    expect(await listAll()).toEqual(OLD_SET.map((item) => item.question));
  });

  it("refuses more than 10,000 entries and keeps the old set", async () => {
    await admin().knowledge.entries.replace({ orgId: org.id, botId, entries: OLD_SET });
    const entries = Array.from({ length: KNOWLEDGE_LIMITS.entriesPerBot + 1 }, () => ({
      question: "q",
      answer: "a",
    }));
    const failure = await failureOf(admin().knowledge.entries.replace({ orgId: org.id, botId, entries }));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(failure.details)).toContain("At most 10,000 knowledge entries per bot");
    expect(await listAll()).toEqual(OLD_SET.map((item) => item.question));
  });

  it("accepts 10,000 entries, inserted in batches", async () => {
    const bot = await seedBot(app, org.id);
    const entries = Array.from({ length: KNOWLEDGE_LIMITS.entriesPerBot }, (_, index) => entry(index));
    const result = await admin().knowledge.entries.replace({ orgId: org.id, botId: bot.id, entries });
    expect(result.count).toBe(10_000);
    const stored = await app.database.db
      .select({ id: knowledgeEntries.id })
      .from(knowledgeEntries)
      .where(eq(knowledgeEntries.botId, bot.id));
    expect(stored).toHaveLength(10_000);
    // The replace merged the search index's pending list: there is nothing left to merge.
    const merged = await app.database.db.execute(
      sql`select gin_clean_pending_list('knowledge_entries_bot_search_idx'::regclass)::int as pages`,
    );
    const rows = (Array.isArray(merged) ? merged : (merged as { rows: unknown[] }).rows) as {
      pages: number;
    }[];
    expect(rows[0]?.pages).toBe(0);
    const found = await admin().knowledge.entries.search({
      orgId: org.id,
      botId: bot.id,
      query: "question 9999",
    });
    expect(found.items[0]?.question).toBe("Question number 9999 about widgets");
  });

  it("is atomic: a failure in a later insert batch leaves the previous set untouched", async () => {
    const bot = await seedBot(app, org.id);
    await admin().knowledge.entries.replace({ orgId: org.id, botId: bot.id, entries: OLD_SET });
    await failKnowledgeInsertsOf(app, "explode here");
    // The failing entry sits in the second batch: the delete and the first batch already ran.
    const entries = Array.from({ length: 1_500 }, (_, index) =>
      index === 1_200 ? { question: "explode here", answer: "x" } : entry(index),
    );
    await expect(
      admin().knowledge.entries.replace({ orgId: org.id, botId: bot.id, entries }),
    ).rejects.toThrow();
    expect(await listAll(bot.id)).toEqual(OLD_SET.map((item) => item.question));
    const audits = (await auditRows(app, { action: "knowledge.replaced" })).filter(
      (row) => row.resourceId === bot.id,
    );
    expect(audits).toHaveLength(1);
  });
});

describe("knowledge.entries.search", () => {
  it("ranks the best match first with its score and the answer threshold", async () => {
    const bot = await seedBot(app, org.id);
    await admin().knowledge.entries.replace({
      orgId: org.id,
      botId: bot.id,
      entries: [
        { question: "Where is my order?", answer: "Track it from the Orders page.", tags: ["shipping"] },
        { question: "How do I cancel my order?", answer: "Orders can be cancelled within an hour." },
        { question: "Do you have gift cards?", answer: "Yes." },
      ],
    });
    const viewer = app.caller(org.viewer.accessToken);
    const result = await viewer.knowledge.entries.search({
      orgId: org.id,
      botId: bot.id,
      query: "cancel an order",
    });
    expect(result.threshold).toBeGreaterThan(0);
    expect(result.items[0]).toMatchObject({ question: "How do I cancel my order?", position: 1 });
    expect(result.items[0]?.score).toBeGreaterThan(result.items[1]?.score ?? 0);
    expect(result.items.map((item) => item.question)).not.toContain("Do you have gift cards?");
    const none = await viewer.knowledge.entries.search({ orgId: org.id, botId: bot.id, query: "the of and" });
    expect(none.items).toEqual([]);
  });
});

describe("knowledge authorization", () => {
  it("refuses anonymous callers", async () => {
    expect((await failureOf(app.caller().knowledge.entries.list({ orgId: org.id, botId }))).code).toBe(
      "UNAUTHORIZED",
    );
  });

  it("lets viewers read but not replace", async () => {
    const viewer = app.caller(org.viewer.accessToken);
    expect((await viewer.knowledge.entries.list({ orgId: org.id, botId })).total).toBeGreaterThan(0);
    const failure = await failureOf(viewer.knowledge.entries.replace({ orgId: org.id, botId, entries: [] }));
    expect(failure.code).toBe("FORBIDDEN");
  });

  it("answers 404 for another org's bot, a deleted bot's id, and another bot with a restricted key", async () => {
    const foreignBot = await seedBot(app, other.id);
    expect(
      (await failureOf(admin().knowledge.entries.list({ orgId: org.id, botId: foreignBot.id }))).code,
    ).toBe("NOT_FOUND");
    expect(
      (
        await failureOf(
          admin().knowledge.entries.replace({ orgId: org.id, botId: foreignBot.id, entries: [] }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    const deleted = await seedBot(app, org.id);
    await app.database.db.update(bots).set({ deletedAt: new Date() }).where(eq(bots.id, deleted.id));
    expect((await failureOf(admin().knowledge.entries.list({ orgId: org.id, botId: deleted.id }))).code).toBe(
      "NOT_FOUND",
    );
    const ownBot = await seedBot(app, org.id);
    const restricted = await app.seedApiKey(org.id, { scopes: ["write:bots"], botId: ownBot.id });
    const key = app.caller(restricted.key);
    expect((await key.knowledge.entries.list({ orgId: org.id, botId: ownBot.id })).total).toBe(0);
    expect((await failureOf(key.knowledge.entries.list({ orgId: org.id, botId }))).code).toBe("NOT_FOUND");
    expect(
      (await failureOf(key.knowledge.entries.replace({ orgId: org.id, botId, entries: OLD_SET }))).code,
    ).toBe("NOT_FOUND");
  });

  it("needs write:bots for a key to replace", async () => {
    const reader = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    const key = app.caller(reader.key);
    expect((await key.knowledge.entries.list({ orgId: org.id, botId })).total).toBeGreaterThan(0);
    expect((await failureOf(key.knowledge.entries.replace({ orgId: org.id, botId, entries: [] }))).code).toBe(
      "FORBIDDEN",
    );
  });
});
