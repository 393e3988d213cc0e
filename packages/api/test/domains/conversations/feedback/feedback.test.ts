import { conversations, eq, feedback, messages } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRows, failureOf } from "../../../auth-helpers";
import { eventsOf, seedBot, seedConversation } from "../../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../../harness";

let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
let bot: { id: string; versionId: string | null };
let conversationId: string;
let botMessageId: string;

async function seedMessage(convId: string, botId: string, orgId = org.id, role: "visitor" | "bot" = "bot") {
  const [row] = await app.database.db
    .insert(messages)
    .values({ orgId, conversationId: convId, botId, role, content: `${role} says hi` })
    .returning({ id: messages.id });
  return row?.id ?? "";
}

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Feedback");
  other = await app.seedOrg("Feedback Elsewhere");
  bot = await seedBot(app, org.id, { published: { fallbackMessage: "v1 fallback" } });
  conversationId = await seedConversation(app, org.id, bot.id);
  botMessageId = await seedMessage(conversationId, bot.id);
});
afterAll(async () => {
  await app?.close();
});

describe("conversations.feedback.submit", () => {
  it("records one verdict per member per message, updatable, with the version and one event", async () => {
    const viewer = app.caller(org.viewer.accessToken);
    const { feedback: first } = await viewer.conversations.feedback.submit({
      orgId: org.id,
      messageId: botMessageId,
      helpful: true,
    });
    expect(first).toMatchObject({
      source: "member",
      userId: org.viewer.id,
      helpful: true,
      reason: null,
      botVersionId: bot.versionId,
      conversationId,
      botId: bot.id,
    });
    const { feedback: second } = await viewer.conversations.feedback.submit({
      orgId: org.id,
      messageId: botMessageId,
      helpful: false,
      reason: "Wrong policy quoted",
    });
    expect(second).toMatchObject({ id: first.id, helpful: false, reason: "Wrong policy quoted" });
    await app.caller(org.agent.accessToken).conversations.feedback.submit({
      orgId: org.id,
      messageId: botMessageId,
      helpful: true,
    });
    const rows = await app.database.db.select().from(feedback).where(eq(feedback.messageId, botMessageId));
    expect(rows).toHaveLength(2);
    const [conversation] = await app.database.db
      .select({ hasFeedback: conversations.hasFeedback })
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    expect(conversation?.hasFeedback).toBe(true);
    const events = (await eventsOf(app, org.id, "feedback.created")).filter(
      (event) => (event.data as { messageId: string }).messageId === botMessageId,
    );
    expect(events).toHaveLength(2);
    expect(events[0]?.data).toEqual({
      feedbackId: first.id,
      messageId: botMessageId,
      conversationId,
      botId: bot.id,
      source: "member",
      helpful: true,
      reason: null,
    });
    const audits = await auditRows(app, { action: "feedback.updated", actorId: org.viewer.id });
    expect(audits).toHaveLength(1);
  });

  it("refuses API keys (a verdict belongs to a member), other orgs' messages and bad input", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["write:bots"] });
    expect(
      (
        await failureOf(
          app
            .caller(key.key)
            .conversations.feedback.submit({ orgId: org.id, messageId: botMessageId, helpful: true }),
        )
      ).code,
    ).toBe("FORBIDDEN");
    const foreignBot = await seedBot(app, other.id);
    const foreignConversation = await seedConversation(app, other.id, foreignBot.id);
    const foreignMessage = await seedMessage(foreignConversation, foreignBot.id, other.id);
    const owner = app.caller(org.owner.accessToken);
    expect(
      (
        await failureOf(
          owner.conversations.feedback.submit({ orgId: org.id, messageId: foreignMessage, helpful: true }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    const long = await failureOf(
      owner.conversations.feedback.submit({
        orgId: org.id,
        messageId: botMessageId,
        helpful: true,
        reason: "r".repeat(1_001),
      }),
    );
    expect(long.code).toBe("BAD_REQUEST");
  });
});

describe("conversations.feedback.list", () => {
  it("filters by bot, verdict and source and pages newest first", async () => {
    const otherBot = await seedBot(app, org.id);
    const otherConversation = await seedConversation(app, org.id, otherBot.id);
    const otherMessage = await seedMessage(otherConversation, otherBot.id);
    await app.caller(org.admin.accessToken).conversations.feedback.submit({
      orgId: org.id,
      messageId: otherMessage,
      helpful: false,
    });
    await app.database.db.insert(feedback).values({
      orgId: org.id,
      botId: otherBot.id,
      conversationId: otherConversation,
      messageId: otherMessage,
      source: "widget",
      helpful: true,
    });
    const viewer = app.caller(org.viewer.accessToken);
    const all = await viewer.conversations.feedback.list({ orgId: org.id });
    expect(all.items).toHaveLength(4);
    expect(all.items[0]?.source).toBe("widget");
    const forBot = await viewer.conversations.feedback.list({ orgId: org.id, botId: otherBot.id });
    expect(forBot.items.map((item) => item.source).sort()).toEqual(["member", "widget"]);
    const unhelpful = await viewer.conversations.feedback.list({ orgId: org.id, helpful: false });
    expect(unhelpful.items.map((item) => item.userId).sort()).toEqual([org.admin.id, org.viewer.id].sort());
    const widget = await viewer.conversations.feedback.list({ orgId: org.id, source: "widget" });
    expect(widget.items).toHaveLength(1);
    const page1 = await viewer.conversations.feedback.list({ orgId: org.id, limit: 3 });
    const page2 = await viewer.conversations.feedback.list({
      orgId: org.id,
      limit: 3,
      cursor: page1.nextCursor ?? "",
    });
    expect([...page1.items, ...page2.items].map((item) => item.id)).toEqual(all.items.map((item) => item.id));
    expect(page2.nextCursor).toBeNull();

    const restricted = await app.seedApiKey(org.id, { scopes: ["read:bots"], botId: otherBot.id });
    const keyList = await app.caller(restricted.key).conversations.feedback.list({ orgId: org.id });
    expect(keyList.items.every((item) => item.botId === otherBot.id)).toBe(true);
    expect(
      (
        await failureOf(
          app.caller(restricted.key).conversations.feedback.list({ orgId: org.id, botId: bot.id }),
        )
      ).code,
    ).toBe("NOT_FOUND");
  });
});
