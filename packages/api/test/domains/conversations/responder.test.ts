import { asc, conversations, eq, messages } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOpen, localClock } from "../../../src/domains/conversations/business-hours";
import {
  decideEscalation,
  matchKeyword,
  nextFallbackRun,
} from "../../../src/domains/conversations/escalation";
import { converse, createKnowledgeResponder } from "../../../src/domains/conversations/index";
import { ANSWER_THRESHOLD } from "../../../src/domains/knowledge/index";
import { type BotConfigPatch, parseBotConfig } from "../../../src/domains/shared/bot-config";
import { eventsOf, seedBot, seedConversation } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

const FALLBACK = "Sorry, no idea — leave your email?";
const AWAY = "We're closed; back at nine.";
const NEW_YORK_WEEKDAYS = {
  timezone: "America/New_York",
  ranges: (["mon", "tue", "wed", "thu", "fri"] as const).map((day) => ({
    day,
    start: "09:00",
    end: "17:00",
  })),
};

let app: TestApp;
let org: SeededOrg;
let botId: string;
const responder = () => createKnowledgeResponder(app.database.db);

const ENTRIES = [
  {
    question: "How do I reset my password?",
    answer: "Open Settings, choose Security and click Reset password.",
    tags: ["account", "login"],
  },
  {
    question: "What are your opening hours?",
    answer: "We are open Monday to Friday, nine to five.",
    tags: ["schedule"],
  },
  {
    question: "Do you ship internationally?",
    answer: "Yes, we ship to over forty countries; delivery takes five to ten days.",
    tags: ["shipping", "delivery"],
  },
];

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Responder");
  botId = (await seedBot(app, org.id, { config: { fallbackMessage: FALLBACK } })).id;
  await app
    .caller(org.admin.accessToken)
    .knowledge.entries.replace({ orgId: org.id, botId, entries: ENTRIES });
});
afterAll(async () => {
  await app?.close();
});

describe("business hours", () => {
  it("reads the weekday and wall clock in the bot's time zone", () => {
    // 2026-11-23 is a Monday; New York is UTC-5 in November.
    expect(localClock("America/New_York", new Date("2026-11-23T14:00:00Z"))).toEqual({
      day: "mon",
      time: "09:00",
    });
    expect(localClock("Asia/Tokyo", new Date("2026-11-23T15:30:00Z"))).toEqual({ day: "tue", time: "00:30" });
  });

  it("is open from start (inclusive) to end (exclusive) on listed days only", () => {
    expect(isOpen(NEW_YORK_WEEKDAYS, new Date("2026-11-23T13:59:00Z"))).toBe(false);
    expect(isOpen(NEW_YORK_WEEKDAYS, new Date("2026-11-23T14:00:00Z"))).toBe(true);
    expect(isOpen(NEW_YORK_WEEKDAYS, new Date("2026-11-23T21:59:00Z"))).toBe(true);
    expect(isOpen(NEW_YORK_WEEKDAYS, new Date("2026-11-23T22:00:00Z"))).toBe(false);
    // Saturday noon in New York.
    expect(isOpen(NEW_YORK_WEEKDAYS, new Date("2026-11-28T17:00:00Z"))).toBe(false);
  });

  it("follows daylight saving time: 09:00 in July is 13:00 UTC", () => {
    expect(isOpen(NEW_YORK_WEEKDAYS, new Date("2026-07-06T13:00:00Z"))).toBe(true);
    expect(isOpen(NEW_YORK_WEEKDAYS, new Date("2026-07-06T12:59:00Z"))).toBe(false);
  });

  it("is always open without business hours and never open with no ranges", () => {
    expect(isOpen(null, new Date("2026-11-28T03:00:00Z"))).toBe(true);
    expect(isOpen({ timezone: "UTC", ranges: [] }, new Date("2026-11-23T12:00:00Z"))).toBe(false);
  });
});

describe("escalation rules", () => {
  it("matches keywords case-insensitively as whole words or phrases", () => {
    expect(matchKeyword(["human"], "Can I talk to a HUMAN?")).toBe("human");
    expect(matchKeyword(["human"], "That was humane of you")).toBeNull();
    expect(matchKeyword(["agent"], "Are you agents or bots")).toBeNull();
    expect(matchKeyword(["talk to a person"], "please, let me talk  to a Person.")).toBe("talk to a person");
    expect(matchKeyword(["c++"], "help with c++ please")).toBe("c++");
    expect(matchKeyword(["refund"], "Rückerstattung / refund!")).toBe("refund");
    expect(matchKeyword([], "human")).toBeNull();
  });

  it("counts fallbacks in a row: an answer breaks the run, out-of-hours leaves it", () => {
    expect(nextFallbackRun(1, "fallback")).toBe(2);
    expect(nextFallbackRun(2, "answer")).toBe(0);
    expect(nextFallbackRun(2, "out_of_hours")).toBe(2);
  });

  it("escalates on a keyword or on the configured run of fallbacks, never twice, and not with 0", () => {
    const config = parseBotConfig({ escalation: { keywords: ["human"], fallbacksBeforeHandoff: 2 } });
    const off = parseBotConfig({ escalation: { fallbacksBeforeHandoff: 0 } });
    expect(decideEscalation({ config, alreadyEscalated: false, keyword: "human", fallbackRun: 0 })).toEqual({
      reason: "keyword",
      keyword: "human",
    });
    expect(decideEscalation({ config, alreadyEscalated: false, keyword: null, fallbackRun: 1 })).toBeNull();
    expect(decideEscalation({ config, alreadyEscalated: false, keyword: null, fallbackRun: 2 })).toEqual({
      reason: "fallbacks",
      keyword: null,
    });
    expect(decideEscalation({ config, alreadyEscalated: true, keyword: "human", fallbackRun: 5 })).toBeNull();
    expect(
      decideEscalation({ config: off, alreadyEscalated: false, keyword: null, fallbackRun: 20 }),
    ).toBeNull();
  });
});

describe("knowledge responder", () => {
  const config = parseBotConfig({ fallbackMessage: FALLBACK });
  const ask = (content: string) =>
    responder().reply({ orgId: org.id, botId, config, content, now: new Date() });

  it("answers the matching entry for the same question phrased differently", async () => {
    const reply = await ask("how can I reset the password for my account");
    expect(reply).toMatchObject({ kind: "answer", content: ENTRIES[0]?.answer });
    expect(reply.score).toBeGreaterThanOrEqual(ANSWER_THRESHOLD);
    const shipping = await ask("Do you deliver internationally?");
    expect(shipping).toMatchObject({ kind: "answer", content: ENTRIES[2]?.answer });
  });

  it("sends the fallback when nothing matches", async () => {
    expect(await ask("what is the weather on Mars")).toEqual({
      content: FALLBACK,
      kind: "fallback",
      knowledgeEntryId: null,
      score: null,
    });
    expect(await ask("?!")).toMatchObject({ kind: "fallback", score: null });
    expect(await ask("the and of")).toMatchObject({ kind: "fallback", score: null });
  });

  it("sends the fallback for a weak match below the threshold, recording its score", async () => {
    // Only "countries" matches, in one answer, among five content words.
    const reply = await ask("which countries have the cheapest flights tickets");
    expect(reply.kind).toBe("fallback");
    expect(reply.score).toBeGreaterThan(0);
    expect(reply.score).toBeLessThan(ANSWER_THRESHOLD);
  });

  it("only searches the bot's own entries", async () => {
    const other = await seedBot(app, org.id);
    const reply = await responder().reply({
      orgId: org.id,
      botId: other.id,
      config,
      content: "How do I reset my password?",
      now: new Date(),
    });
    expect(reply.kind).toBe("fallback");
  });
});

describe("converse", () => {
  const botConfig = (input: BotConfigPatch) => parseBotConfig({ fallbackMessage: FALLBACK, ...input });
  const turn = (conversationId: string, content: string, config: BotConfigPatch = {}, now?: Date) =>
    converse(app.database.db, responder(), {
      orgId: org.id,
      botId,
      conversationId,
      bot: { versionId: null, config: botConfig(config) },
      content,
      now,
    });
  const conversationRow = async (id: string) => {
    const [row] = await app.database.db.select().from(conversations).where(eq(conversations.id, id));
    return row;
  };

  it("stores the message and the reply with metadata, counters and two message.created events", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const before = (await eventsOf(app, org.id, "message.created")).length;
    const result = await turn(conversationId, "How do I reset my password?");
    expect(result.reply?.kind).toBe("answer");
    expect(result.message.id < (result.reply?.id ?? "")).toBe(true);
    const stored = await app.database.db
      .select({ id: messages.id, role: messages.role, metadata: messages.metadata })
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .orderBy(asc(messages.id));
    expect(stored.map((row) => row.role)).toEqual(["visitor", "bot"]);
    expect(stored[1]?.metadata).toMatchObject({ kind: "answer", knowledgeEntryId: expect.any(String) });
    expect((stored[1]?.metadata as { score?: number } | undefined)?.score).toBeGreaterThanOrEqual(
      ANSWER_THRESHOLD,
    );
    expect(await conversationRow(conversationId)).toMatchObject({
      messageCount: 2,
      consecutiveFallbacks: 0,
      status: "open",
      lastMessageAt: expect.any(Date),
    });
    const events = await eventsOf(app, org.id, "message.created");
    expect(events.length - before).toBe(2);
    expect(events.at(-1)?.data).toMatchObject({ messageId: result.reply?.id, role: "bot", conversationId });
  });

  it("sends the out-of-hours message outside business hours (fixed clock), leaving the fallback run", async () => {
    const conversationId = await seedConversation(app, org.id, botId, { consecutiveFallbacks: 1 });
    const saturday = new Date("2026-11-28T17:00:00Z");
    const result = await turn(
      conversationId,
      "How do I reset my password?",
      { businessHours: NEW_YORK_WEEKDAYS, outOfHoursMessage: AWAY },
      saturday,
    );
    expect(result.reply).toMatchObject({ kind: "out_of_hours", content: AWAY });
    expect(await conversationRow(conversationId)).toMatchObject({ consecutiveFallbacks: 1, status: "open" });
    const monday = new Date("2026-11-23T15:00:00Z");
    const open = await turn(
      conversationId,
      "How do I reset my password?",
      { businessHours: NEW_YORK_WEEKDAYS, outOfHoursMessage: AWAY },
      monday,
    );
    expect(open.reply?.kind).toBe("answer");
  });

  it("escalates on a keyword once, with conversation.escalated", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const config = { escalation: { keywords: ["speak to a human"], fallbacksBeforeHandoff: 0 } };
    const result = await turn(conversationId, "Can I SPEAK to a human please", config);
    expect(result.conversation.status).toBe("escalated");
    expect(result.escalation).toEqual({ reason: "keyword", keyword: "speak to a human" });
    expect(await conversationRow(conversationId)).toMatchObject({
      status: "escalated",
      escalatedAt: expect.any(Date),
    });
    await turn(conversationId, "speak to a human!!", config);
    const escalated = (await eventsOf(app, org.id, "conversation.escalated")).filter(
      (event) => (event.data as { conversationId: string }).conversationId === conversationId,
    );
    expect(escalated.map((event) => event.data)).toEqual([
      { conversationId, botId, reason: "keyword", keyword: "speak to a human", ticketId: expect.any(String) },
    ]);
  });

  it("escalates after N fallbacks in a row; an answer in between starts the count again", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const config = { escalation: { keywords: [], fallbacksBeforeHandoff: 2 } };
    expect((await turn(conversationId, "tell me about quantum flux", config)).conversation.status).toBe(
      "open",
    );
    expect((await turn(conversationId, "How do I reset my password?", config)).reply?.kind).toBe("answer");
    expect((await turn(conversationId, "banana smoothie recipe", config)).conversation.status).toBe("open");
    const third = await turn(conversationId, "volcano insurance quote", config);
    expect(third.escalation).toEqual({ reason: "fallbacks", keyword: null });
    expect(await conversationRow(conversationId)).toMatchObject({
      status: "escalated",
      consecutiveFallbacks: 2,
      messageCount: 8,
    });
  });

  it("never escalates on fallbacks when the rule is 0", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const config = { escalation: { keywords: [], fallbacksBeforeHandoff: 0 } };
    for (const text of ["zebra", "quasar", "mango", "tundra"]) await turn(conversationId, text, config);
    expect(await conversationRow(conversationId)).toMatchObject({ status: "open", consecutiveFallbacks: 4 });
  });

  it("reopens a resolved conversation when the visitor writes again", async () => {
    const conversationId = await seedConversation(app, org.id, botId, {
      status: "resolved",
      resolvedAt: new Date(),
    });
    const result = await turn(conversationId, "How do I reset my password?");
    expect(result.conversation.status).toBe("open");
    expect(await conversationRow(conversationId)).toMatchObject({ status: "open", resolvedAt: null });
  });

  it("refuses a conversation of another bot as not found, storing nothing", async () => {
    const other = await seedBot(app, org.id);
    const conversationId = await seedConversation(app, org.id, other.id);
    await expect(turn(conversationId, "hello")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const stored = await app.database.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversationId));
    expect(stored).toEqual([]);
  });
});
