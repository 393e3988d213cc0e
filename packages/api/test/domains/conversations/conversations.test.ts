import { conversations, eq, messages } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRows, failureOf } from "../../auth-helpers";
import { eventsOf, seedBot, seedConversation } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
let botA: string;
let botB: string;
/** Seeded oldest first: [A open, A escalated, B resolved, A open with feedback, B open]. */
let ids: string[];

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Inbox");
  other = await app.seedOrg("Other Inbox");
  botA = (await seedBot(app, org.id)).id;
  botB = (await seedBot(app, org.id)).id;
  const day = (n: number) => new Date(Date.UTC(2026, 10, n, 12));
  ids = [];
  ids.push(await seedConversation(app, org.id, botA, { createdAt: day(1) }));
  ids.push(
    await seedConversation(app, org.id, botA, {
      status: "escalated",
      escalatedAt: day(2),
      createdAt: day(2),
    }),
  );
  ids.push(
    await seedConversation(app, org.id, botB, { status: "resolved", resolvedAt: day(3), createdAt: day(3) }),
  );
  ids.push(await seedConversation(app, org.id, botA, { hasFeedback: true, createdAt: day(4) }));
  ids.push(await seedConversation(app, org.id, botB, { createdAt: day(5) }));
});
afterAll(async () => {
  await app?.close();
});

const as = (token: string) => app.caller(token);
const idsOf = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);
const seeded = (...indexes: number[]) => indexes.map((index) => ids[index]);

describe("conversations.list", () => {
  it("lists newest first and filters by bot, status, feedback and time range", async () => {
    const viewer = as(org.viewer.accessToken);
    const list = (filters: Record<string, unknown>) =>
      viewer.conversations.list({ orgId: org.id, ...filters });
    expect(idsOf(await list({}))).toEqual(seeded(4, 3, 2, 1, 0));
    expect(idsOf(await list({ botId: botA }))).toEqual(seeded(3, 1, 0));
    expect(idsOf(await list({ status: "escalated" }))).toEqual(seeded(1));
    expect(idsOf(await list({ status: "open", botId: botB }))).toEqual(seeded(4));
    expect(idsOf(await list({ hasFeedback: true }))).toEqual(seeded(3));
    expect(idsOf(await list({ hasFeedback: false, botId: botA }))).toEqual(seeded(1, 0));
    expect(
      idsOf(await list({ from: new Date(Date.UTC(2026, 10, 2)), to: new Date(Date.UTC(2026, 10, 4)) })),
    ).toEqual(seeded(2, 1));
    expect(idsOf(await list({ from: "2026-11-04T00:00:00Z" }))).toEqual(seeded(4, 3));
  });

  it("pages with cursors without gaps or repeats, and refuses bad limits, cursors and ranges", async () => {
    const viewer = as(org.viewer.accessToken);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const page = await viewer.conversations.list({ orgId: org.id, limit: 2, cursor });
      seen.push(...idsOf(page));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(seeded(4, 3, 2, 1, 0));
    expect((await failureOf(viewer.conversations.list({ orgId: org.id, limit: 201 }))).code).toBe(
      "BAD_REQUEST",
    );
    expect((await failureOf(viewer.conversations.list({ orgId: org.id, cursor: "%%%" }))).code).toBe(
      "BAD_REQUEST",
    );
    expect(
      (
        await failureOf(
          viewer.conversations.list({
            orgId: org.id,
            from: "2026-11-05T00:00:00Z",
            to: "2026-11-01T00:00:00Z",
          }),
        )
      ).code,
    ).toBe("BAD_REQUEST");
  });

  it("answers 404 for another org's bot filter, and never lists other orgs' conversations", async () => {
    const foreignBot = await seedBot(app, other.id);
    await seedConversation(app, other.id, foreignBot.id);
    const owner = as(org.owner.accessToken);
    expect((await failureOf(owner.conversations.list({ orgId: org.id, botId: foreignBot.id }))).code).toBe(
      "NOT_FOUND",
    );
    const page = await owner.conversations.list({ orgId: org.id });
    expect(page.items.every((item) => item.botId === botA || item.botId === botB)).toBe(true);
  });

  it("confines a bot-restricted key to its bot", async () => {
    const restricted = await app.seedApiKey(org.id, { scopes: ["read:bots"], botId: botB });
    const key = as(restricted.key);
    expect(idsOf(await key.conversations.list({ orgId: org.id }))).toEqual(seeded(4, 2));
    expect((await failureOf(key.conversations.list({ orgId: org.id, botId: botA }))).code).toBe("NOT_FOUND");
    expect(
      (await failureOf(key.conversations.get({ orgId: org.id, conversationId: ids[0] ?? "" }))).code,
    ).toBe("NOT_FOUND");
    expect(
      (await key.conversations.get({ orgId: org.id, conversationId: ids[4] ?? "" })).conversation.botId,
    ).toBe(botB);
  });

  it("refuses anonymous callers", async () => {
    expect((await failureOf(app.caller().conversations.list({ orgId: org.id }))).code).toBe("UNAUTHORIZED");
  });
});

describe("conversations.get and messages", () => {
  it("gets a conversation, and answers 404 for another org's conversation", async () => {
    const viewer = as(org.viewer.accessToken);
    expect(
      (await viewer.conversations.get({ orgId: org.id, conversationId: ids[1] ?? "" })).conversation,
    ).toMatchObject({
      id: ids[1],
      botId: botA,
      status: "escalated",
      escalatedAt: expect.any(Date),
    });
    const foreignBot = await seedBot(app, other.id);
    const foreign = await seedConversation(app, other.id, foreignBot.id);
    expect((await failureOf(viewer.conversations.get({ orgId: org.id, conversationId: foreign }))).code).toBe(
      "NOT_FOUND",
    );
    expect(
      (await failureOf(viewer.conversations.messages({ orgId: org.id, conversationId: foreign }))).code,
    ).toBe("NOT_FOUND");
  });

  it("returns the transcript oldest first, paged, with each message's feedback", async () => {
    const conversationId = await seedConversation(app, org.id, botA);
    const inserted = [];
    for (const [role, content] of [
      ["visitor", "hello"],
      ["bot", "hi there"],
      ["visitor", "thanks"],
    ] as const) {
      const [row] = await app.database.db
        .insert(messages)
        .values({ orgId: org.id, conversationId, botId: botA, role, content, metadata: { kind: "answer" } })
        .returning({ id: messages.id });
      inserted.push(row?.id ?? "");
    }
    await as(org.agent.accessToken).conversations.feedback.submit({
      orgId: org.id,
      messageId: inserted[1] ?? "",
      helpful: false,
      reason: "too curt",
    });
    const viewer = as(org.viewer.accessToken);
    const first = await viewer.conversations.messages({ orgId: org.id, conversationId, limit: 2 });
    expect(first.items.map((item) => item.content)).toEqual(["hello", "hi there"]);
    expect(first.items[0]?.feedback).toEqual([]);
    expect(first.items[1]?.feedback).toEqual([
      expect.objectContaining({ source: "member", userId: org.agent.id, helpful: false, reason: "too curt" }),
    ]);
    expect(first.items[1]?.metadata).toEqual({ kind: "answer" });
    const second = await viewer.conversations.messages({
      orgId: org.id,
      conversationId,
      limit: 2,
      cursor: first.nextCursor ?? "",
    });
    expect(second.items.map((item) => item.content)).toEqual(["thanks"]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("conversations.reply, resolve, reopen", () => {
  it("stores an agent reply with its author, counts it, emits message.created and audits it", async () => {
    const conversationId = await seedConversation(app, org.id, botA, { status: "escalated" });
    const agent = as(org.agent.accessToken);
    const { message: reply } = await agent.conversations.reply({
      orgId: org.id,
      conversationId,
      content: "  I can help.  ",
    });
    expect(reply).toMatchObject({
      role: "agent",
      content: "I can help.",
      authorId: org.agent.id,
      conversationId,
    });
    const [row] = await app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    expect(row).toMatchObject({ messageCount: 1, status: "escalated", lastMessageAt: expect.any(Date) });
    const events = await eventsOf(app, org.id, "message.created");
    expect(events.at(-1)?.data).toMatchObject({ messageId: reply.id, role: "agent", botId: botA });
    const audits = await auditRows(app, { action: "conversation.replied", actorId: org.agent.id });
    expect(audits.at(-1)).toMatchObject({
      resourceId: conversationId,
      diff: { after: { messageId: reply.id } },
    });
  });

  it("refuses viewers (403), oversized or empty replies (400) and other orgs' conversations (404)", async () => {
    const conversationId = await seedConversation(app, org.id, botA);
    const viewer = as(org.viewer.accessToken);
    expect(
      (await failureOf(viewer.conversations.reply({ orgId: org.id, conversationId, content: "hi" }))).code,
    ).toBe("FORBIDDEN");
    expect((await failureOf(viewer.conversations.resolve({ orgId: org.id, conversationId }))).code).toBe(
      "FORBIDDEN",
    );
    const agent = as(org.agent.accessToken);
    const long = await failureOf(
      agent.conversations.reply({ orgId: org.id, conversationId, content: "x".repeat(4_001) }),
    );
    expect(long.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(long.details)).toContain("at most 4,000 characters");
    expect(
      (await failureOf(agent.conversations.reply({ orgId: org.id, conversationId, content: "  " }))).code,
    ).toBe("BAD_REQUEST");
    const foreignBot = await seedBot(app, other.id);
    const foreign = await seedConversation(app, other.id, foreignBot.id);
    expect(
      (await failureOf(agent.conversations.reply({ orgId: org.id, conversationId: foreign, content: "hi" })))
        .code,
    ).toBe("NOT_FOUND");
    expect(
      (await failureOf(agent.conversations.resolve({ orgId: org.id, conversationId: foreign }))).code,
    ).toBe("NOT_FOUND");
    const stored = await app.database.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversationId));
    expect(stored).toEqual([]);
  });

  it("resolves once (conversation.resolved, audited) and reopens", async () => {
    const conversationId = await seedConversation(app, org.id, botA, { consecutiveFallbacks: 2 });
    const agent = as(org.agent.accessToken);
    const { conversation: resolved } = await agent.conversations.resolve({ orgId: org.id, conversationId });
    expect(resolved).toMatchObject({
      status: "resolved",
      resolvedAt: expect.any(Date),
      consecutiveFallbacks: 0,
    });
    await agent.conversations.resolve({ orgId: org.id, conversationId });
    const events = (await eventsOf(app, org.id, "conversation.resolved")).filter(
      (event) => (event.data as { conversationId: string }).conversationId === conversationId,
    );
    expect(events.map((event) => event.data)).toEqual([
      { conversationId, botId: botA, resolvedBy: org.agent.id },
    ]);
    const audits = (await auditRows(app, { action: "conversation.resolved" })).filter(
      (row) => row.resourceId === conversationId,
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]?.diff).toEqual({ before: { status: "open" }, after: { status: "resolved" } });

    const { conversation: reopened } = await agent.conversations.reopen({ orgId: org.id, conversationId });
    expect(reopened).toMatchObject({ status: "open", resolvedAt: null });
    expect((await agent.conversations.reopen({ orgId: org.id, conversationId })).conversation.status).toBe(
      "open",
    );
    const reopenAudits = (await auditRows(app, { action: "conversation.reopened" })).filter(
      (row) => row.resourceId === conversationId,
    );
    expect(reopenAudits).toHaveLength(1);
  });

  it("lets a write:bots key reply and resolve within its bot only", async () => {
    const restricted = await app.seedApiKey(org.id, { scopes: ["write:bots"], botId: botB });
    const key = as(restricted.key);
    const mine = await seedConversation(app, org.id, botB);
    const { message: reply } = await key.conversations.reply({
      orgId: org.id,
      conversationId: mine,
      content: "From the CRM",
    });
    expect(reply.authorId).toBeNull();
    expect(
      (await key.conversations.resolve({ orgId: org.id, conversationId: mine })).conversation.status,
    ).toBe("resolved");
    const notMine = await seedConversation(app, org.id, botA);
    expect(
      (await failureOf(key.conversations.reply({ orgId: org.id, conversationId: notMine, content: "x" })))
        .code,
    ).toBe("NOT_FOUND");
    const reader = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    expect(
      (
        await failureOf(
          as(reader.key).conversations.reply({ orgId: org.id, conversationId: mine, content: "x" }),
        )
      ).code,
    ).toBe("FORBIDDEN");
  });
});
