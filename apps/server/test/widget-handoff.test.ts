import { DEFAULT_LIMIT_SETTINGS } from "@kyro/api";
import type { SeededOrg } from "@kyro/api/testing";
import { eventsOf, PAGE_ORIGIN, seedBot } from "@kyro/api/testing/conversations";
import { eq, escalationTicketEvents, escalationTickets } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * The visitor's "talk to a person" over REST: a ticket opens and people get the conversation in one
 * step, asking again changes nothing, and the route is refused as the other widget routes are.
 */
let server: TestServer;
let org: SeededOrg;
let botId: string;
let otherBotId: string;

interface Session {
  token: string;
  conversationId: string;
}

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Widget Handoff");
  botId = (await seedBot(server.app, org.id, { published: { fallbackMessage: "No idea." } })).id;
  const other = await server.app.seedOrg("Other Shop");
  otherBotId = (await seedBot(server.app, other.id)).id;
});
afterAll(async () => {
  await server?.close();
});

async function openSession(target: TestServer, bot: string): Promise<Session> {
  const res = await fetch(`${target.url}/api/v1/widget/${bot}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: PAGE_ORIGIN },
    body: "{}",
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Session;
}

async function call(target: TestServer, path: string, token: string | null, body: unknown = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", origin: PAGE_ORIGIN };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${target.url}/api/v1${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const handoff = (session: Session, token: string | null = session.token, target = server) =>
  call(target, `/widget/sessions/${session.conversationId}/handoff`, token);
const send = (session: Session, content: string) =>
  call(server, `/widget/sessions/${session.conversationId}/messages`, session.token, { content });

async function ticketsOf(conversationId: string) {
  return server.app.database.db
    .select({
      id: escalationTickets.id,
      reason: escalationTickets.reason,
      channel: escalationTickets.channel,
    })
    .from(escalationTickets)
    .where(eq(escalationTickets.conversationId, conversationId));
}

describe("POST /widget/sessions/{conversationId}/handoff", () => {
  it("opens a visitor ticket, silences the bot, and changes nothing when asked again", async () => {
    const session = await openSession(server, botId);
    expect((await send(session, "where is my parcel?")).body.reply).toMatchObject({ kind: "fallback" });

    const first = await handoff(session);
    expect(first).toEqual({
      status: 200,
      body: {
        conversation: { id: session.conversationId, status: "escalated" },
        created: true,
        notice: "A person will reply here.",
      },
    });
    const [ticket, ...more] = await ticketsOf(session.conversationId);
    expect(more).toEqual([]);
    expect(ticket).toMatchObject({ reason: "visitor", channel: "widget" });
    // Its mail is queued with it (the outbox), and the events name the visitor's request.
    const logged = await server.app.database.db
      .select({ type: escalationTicketEvents.type, dispatch: escalationTicketEvents.dispatchStatus })
      .from(escalationTicketEvents)
      .where(eq(escalationTicketEvents.ticketId, ticket?.id ?? ""));
    expect(logged).toEqual([{ type: "created", dispatch: "pending" }]);
    expect((await eventsOf(server.app, org.id, "conversation.escalated")).map((e) => e.data)).toContainEqual({
      conversationId: session.conversationId,
      botId,
      reason: "visitor",
      keyword: null,
      ticketId: ticket?.id,
    });

    const quiet = await send(session, "hello?");
    expect(quiet.status).toBe(201);
    expect(quiet.body).toMatchObject({ reply: null, conversation: { status: "escalated" } });

    const again = await handoff(session);
    expect(again).toMatchObject({ status: 200, body: { created: false } });
    expect(await ticketsOf(session.conversationId)).toHaveLength(1);
  });

  it("gives people the conversation again when it was handed back while its ticket is open", async () => {
    const session = await openSession(server, botId);
    await handoff(session);
    const agent = server.app.caller(org.agent.accessToken).conversations;
    await agent.handBack({ orgId: org.id, conversationId: session.conversationId });
    expect((await send(session, "back to the bot")).body.reply).not.toBeNull();

    expect((await handoff(session)).body).toMatchObject({ created: false });
    expect((await send(session, "a person please")).body.reply).toBeNull();
    expect(await ticketsOf(session.conversationId)).toHaveLength(1);
  });

  it("answers 404 to another org's session and 401 without a valid token", async () => {
    const mine = await openSession(server, botId);
    const theirs = await openSession(server, otherBotId);
    // Their token names their conversation, not mine.
    expect((await handoff(mine, theirs.token)).status).toBe(404);
    expect((await handoff(mine, null)).status).toBe(401);
    expect((await handoff(mine, `${mine.token}x`)).status).toBe(401);
    expect(await ticketsOf(mine.conversationId)).toEqual([]);
  });

  it("counts against the per-IP limit of anonymous calls, as the other widget routes do", async () => {
    const limited = await startTestServer({
      settings: { limits: { ...DEFAULT_LIMIT_SETTINGS, ipRequestsPerMinute: 3 } },
    });
    try {
      const limitedOrg = await limited.app.seedOrg("Limited");
      const bot = (await seedBot(limited.app, limitedOrg.id)).id;
      // Windows are clock-aligned minutes: start early in one so all four calls share it.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_100 - intoMinute));
      const session = await openSession(limited, bot);
      expect((await handoff(session, session.token, limited)).status).toBe(200);
      expect((await handoff(session, session.token, limited)).status).toBe(200);
      const refused = await handoff(session, session.token, limited);
      expect(refused.status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
