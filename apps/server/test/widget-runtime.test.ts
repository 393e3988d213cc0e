import type { SeededOrg } from "@kyro/api/testing";
import { eventsOf, PAGE_ORIGIN, seedBot } from "@kyro/api/testing/conversations";
import { asc, eq, feedback, leads, messages } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let org: SeededOrg;
let botId: string;

const ANSWER = "Open Settings, choose Security and click Reset password.";
const FALLBACK = "I don't know that one yet.";

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Widget Runtime");
  // The draft says one thing, the published version another: visitors get the published one.
  botId = (
    await seedBot(server.app, org.id, {
      config: { fallbackMessage: "draft fallback" },
      published: {
        fallbackMessage: FALLBACK,
        escalation: { keywords: ["human"], fallbacksBeforeHandoff: 0 },
      },
    })
  ).id;
  await server.app.caller(org.admin.accessToken).knowledge.entries.replace({
    orgId: org.id,
    botId,
    entries: [{ question: "How do I reset my password?", answer: ANSWER, tags: ["account"] }],
  });
});
afterAll(async () => {
  await server?.close();
});

interface Session {
  token: string;
  conversationId: string;
}

async function openSession(origin = PAGE_ORIGIN): Promise<Session> {
  const res = await fetch(`${server.url}/api/v1/widget/${botId}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: "{}",
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Session;
}

function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; origin?: string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.origin !== null) headers.origin = options.origin ?? PAGE_ORIGIN;
  return fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

const send = (session: Session, content: string, extra: { token?: string; origin?: string | null } = {}) =>
  call("POST", `/widget/sessions/${session.conversationId}/messages`, {
    token: session.token,
    body: { content },
    ...extra,
  });

interface Exchange {
  message: { id: string; role: string; content: string };
  reply: { id: string; role: string; content: string; kind: string };
  conversation: { id: string; status: string };
}

describe("widget messages over HTTP", () => {
  it("stores the visitor message and the bot's reply and returns both with their ids", async () => {
    const session = await openSession();
    const res = await send(session, "how do I reset my password");
    expect(res.status).toBe(201);
    const body = (await res.json()) as Exchange;
    expect(body.message).toMatchObject({
      id: expect.any(String),
      role: "visitor",
      content: "how do I reset my password",
    });
    expect(body.reply).toMatchObject({
      id: expect.any(String),
      role: "bot",
      content: ANSWER,
      kind: "answer",
    });
    expect(body.conversation).toEqual({ id: session.conversationId, status: "open" });

    const fallback = (await (await send(session, "tell me a joke about penguins")).json()) as Exchange;
    expect(fallback.reply).toMatchObject({ kind: "fallback", content: FALLBACK });

    const list = await call("GET", `/widget/sessions/${session.conversationId}/messages`, {
      token: session.token,
    });
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: { id: string; role: string }[]; nextCursor: string | null };
    expect(page.items.map((item) => item.id)).toEqual([
      body.message.id,
      body.reply.id,
      fallback.message.id,
      fallback.reply.id,
    ]);
    expect(page.items[1]).not.toHaveProperty("metadata");
    const stored = await server.app.database.db
      .select({ role: messages.role })
      .from(messages)
      .where(eq(messages.conversationId, session.conversationId))
      .orderBy(asc(messages.id));
    expect(stored.map((row) => row.role)).toEqual(["visitor", "bot", "visitor", "bot"]);
  });

  it("escalates on a keyword of the published config", async () => {
    const session = await openSession();
    const body = (await (await send(session, "I need a HUMAN")).json()) as Exchange;
    expect(body.conversation.status).toBe("escalated");
    const events = await eventsOf(server.app, org.id, "conversation.escalated");
    expect(events.map((event) => event.data)).toContainEqual({
      conversationId: session.conversationId,
      botId,
      reason: "keyword",
      keyword: "human",
      ticketId: expect.any(String),
    });
  });

  it("refuses a token used on another conversation (404), no token (401) and a forged one (401)", async () => {
    const mine = await openSession();
    const theirs = await openSession();
    const crossed = await send({ token: mine.token, conversationId: theirs.conversationId }, "hello");
    expect(crossed.status).toBe(404);
    const crossedList = await call("GET", `/widget/sessions/${theirs.conversationId}/messages`, {
      token: mine.token,
    });
    expect(crossedList.status).toBe(404);
    expect(
      (await call("POST", `/widget/sessions/${mine.conversationId}/messages`, { body: { content: "hi" } }))
        .status,
    ).toBe(401);
    expect((await send({ ...mine, token: `${mine.token}x` }, "hi")).status).toBe(401);
    // An org member's access token is not a widget session.
    expect((await send({ ...mine, token: org.owner.accessToken }, "hi")).status).toBe(401);
    const stored = await server.app.database.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, theirs.conversationId));
    expect(stored).toEqual([]);
  });

  it("refuses a foreign Origin, or none, with 403", async () => {
    const session = await openSession();
    const foreign = await send(session, "hi", { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    expect((await send(session, "hi", { origin: null })).status).toBe(403);
  });

  it("caps a message at 4,000 characters and refuses empty ones with 400", async () => {
    const session = await openSession();
    const long = await send(session, "x".repeat(4_001));
    expect(long.status).toBe(400);
    const envelope = (await long.json()) as { error: { code: string; details: unknown } };
    expect(envelope.error.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(envelope.error.details)).toContain("A message must be at most 4,000 characters");
    expect((await send(session, "   ")).status).toBe(400);
    expect((await send(session, "x".repeat(4_000))).status).toBe(201);
  });
});

describe("widget feedback over HTTP", () => {
  it("records one visitor verdict per reply, updated by a second one", async () => {
    const session = await openSession();
    const exchange = (await (await send(session, "how do I reset my password")).json()) as Exchange;
    const path = `/widget/messages/${exchange.reply.id}/feedback`;
    const first = await call("POST", path, {
      token: session.token,
      body: { helpful: false, reason: "Too vague" },
    });
    expect(first.status).toBe(200);
    const { feedback: given } = (await first.json()) as {
      feedback: { id: string; helpful: boolean; reason: string | null };
    };
    expect(given).toMatchObject({ helpful: false, reason: "Too vague" });
    const second = await call("POST", path, { token: session.token, body: { helpful: true } });
    expect(((await second.json()) as { feedback: { id: string } }).feedback.id).toBe(given.id);
    const rows = await server.app.database.db
      .select()
      .from(feedback)
      .where(eq(feedback.messageId, exchange.reply.id));
    expect(rows).toEqual([
      expect.objectContaining({ source: "widget", helpful: true, reason: null, userId: null }),
    ]);
    const events = (await eventsOf(server.app, org.id, "feedback.created")).filter(
      (event) => (event.data as { messageId: string }).messageId === exchange.reply.id,
    );
    expect(events).toHaveLength(1);
  });

  it("validates the body, refuses the visitor's own message (422) and other conversations' messages (404)", async () => {
    const session = await openSession();
    const exchange = (await (await send(session, "hello there")).json()) as Exchange;
    const path = `/widget/messages/${exchange.reply.id}/feedback`;
    expect((await call("POST", path, { token: session.token, body: {} })).status).toBe(400);
    expect((await call("POST", path, { token: session.token, body: { helpful: "yes" } })).status).toBe(400);
    expect(
      (await call("POST", path, { token: session.token, body: { helpful: true, reason: "r".repeat(1_001) } }))
        .status,
    ).toBe(400);
    const own = await call("POST", `/widget/messages/${exchange.message.id}/feedback`, {
      token: session.token,
      body: { helpful: true },
    });
    expect(own.status).toBe(422);
    const stranger = await openSession();
    const crossed = await call("POST", path, { token: stranger.token, body: { helpful: true } });
    expect(crossed.status).toBe(404);
    expect((await call("POST", path, { body: { helpful: true } })).status).toBe(401);
    expect(
      (
        await call("POST", path, {
          token: session.token,
          body: { helpful: true },
          origin: "https://evil.example",
        })
      ).status,
    ).toBe(403);
  });
});

describe("widget lead over HTTP", () => {
  it("requires a valid email and deduplicates per bot", async () => {
    const session = await openSession();
    const path = `/widget/sessions/${session.conversationId}/lead`;
    expect((await call("POST", path, { token: session.token, body: { name: "No Email" } })).status).toBe(400);
    expect((await call("POST", path, { token: session.token, body: { email: "nope" } })).status).toBe(400);
    expect(
      (
        await call("POST", path, {
          token: session.token,
          body: { email: "a@example.com", customFields: { "bad key": "x" } },
        })
      ).status,
    ).toBe(400);
    const first = await call("POST", path, {
      token: session.token,
      body: { email: " Grace@Example.com", name: "Grace", customFields: { topic: "pricing" } },
    });
    expect(first.status).toBe(200);
    const receipt = (await first.json()) as { leadId: string };
    const again = await openSession();
    const second = await call("POST", `/widget/sessions/${again.conversationId}/lead`, {
      token: again.token,
      body: { email: "grace@example.com", phone: "+1 555 0100" },
    });
    const secondText = await second.text();
    expect((JSON.parse(secondText) as { leadId: string }).leadId).toBe(receipt.leadId);
    // The visitor never reads back details someone else left under the same email.
    expect(secondText).not.toContain("Grace");
    const rows = await server.app.database.db.select().from(leads).where(eq(leads.botId, botId));
    expect(rows).toEqual([
      expect.objectContaining({
        email: "grace@example.com",
        name: "Grace",
        phone: "+1 555 0100",
        source: "widget",
        conversationId: session.conversationId,
        customFields: { topic: "pricing" },
      }),
    ]);
    const events = (await eventsOf(server.app, org.id, "lead.created")).filter(
      (event) => (event.data as { leadId: string }).leadId === receipt.leadId,
    );
    expect(events).toHaveLength(1);
  });
});
