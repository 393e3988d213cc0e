import type { SeededOrg } from "@kyro/api/testing";
import { PAGE_ORIGIN, seedBot } from "@kyro/api/testing/conversations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * End to end over REST: a partner's bot-restricted key loads the knowledge, a visitor chats through
 * the widget, and the key reads the transcript, answers as an agent and resolves — while another bot
 * of the same org stays invisible to that key.
 */
let server: TestServer;
let org: SeededOrg;
let botId: string;
let otherBotId: string;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Inbox REST");
  botId = (await seedBot(server.app, org.id, { config: { fallbackMessage: "No idea." } })).id;
  otherBotId = (await seedBot(server.app, org.id)).id;
  key = (await server.app.seedApiKey(org.id, { scopes: ["write:bots"], botId })).key;
});
afterAll(async () => {
  await server?.close();
});

async function rest(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; origin?: string } = {},
) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  headers.authorization = `Bearer ${options.token ?? key}`;
  if (options.origin) headers.origin = options.origin;
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { items?: Record<string, unknown>[] },
  };
}

describe("knowledge, widget and inbox over REST", () => {
  it("runs a conversation from knowledge upload to resolution", async () => {
    const replaced = await rest("PUT", `/bots/${botId}/knowledge`, {
      body: {
        entries: [
          { question: "What is your refund policy?", answer: "Refunds within 30 days.", tags: ["refund"] },
          { question: "Do you have a free trial?", answer: "Yes, 14 days.", tags: ["pricing"] },
        ],
      },
    });
    expect(replaced).toEqual({ status: 200, body: { botId, count: 2, previousCount: 0 } });
    const listed = await rest("GET", `/bots/${botId}/knowledge?limit=1`);
    expect(listed.body).toMatchObject({
      total: 2,
      items: [{ question: "What is your refund policy?", position: 0 }],
    });
    const search = await rest(
      "GET",
      `/bots/${botId}/knowledge/search?query=${encodeURIComponent("free trial")}`,
    );
    expect(search.body.items?.[0]).toMatchObject({ question: "Do you have a free trial?" });

    const session = await fetch(`${server.url}/api/v1/widget/${botId}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: PAGE_ORIGIN },
      body: "{}",
    });
    const { token, conversationId } = (await session.json()) as { token: string; conversationId: string };
    const exchange = await rest("POST", `/widget/sessions/${conversationId}/messages`, {
      token,
      origin: PAGE_ORIGIN,
      body: { content: "how does the refund policy work?" },
    });
    expect(exchange.status).toBe(201);
    expect(exchange.body.reply).toMatchObject({ content: "Refunds within 30 days.", kind: "answer" });

    const inbox = await rest("GET", `/conversations?status=open&botId=${botId}`);
    expect(inbox.body.items?.map((item) => item.id)).toEqual([conversationId]);
    const agentReply = await rest("POST", `/conversations/${conversationId}/messages`, {
      body: { content: "Hi, a human here. Anything else?" },
    });
    expect(agentReply.status).toBe(201);
    expect(agentReply.body).toMatchObject({ message: { role: "agent", authorId: null } });

    const transcript = await rest("GET", `/conversations/${conversationId}/messages`);
    expect(transcript.body.items?.map((item) => item.role)).toEqual(["visitor", "bot", "agent"]);
    expect(transcript.body.items?.[1]?.metadata).toMatchObject({ kind: "answer" });
    // The visitor sees the agent's reply in the widget.
    const widgetView = await rest("GET", `/widget/sessions/${conversationId}/messages`, {
      token,
      origin: PAGE_ORIGIN,
    });
    expect(widgetView.body.items?.at(-1)).toMatchObject({
      role: "agent",
      content: "Hi, a human here. Anything else?",
    });

    const resolved = await rest("POST", `/conversations/${conversationId}/resolve`);
    expect(resolved.body).toMatchObject({ conversation: { status: "resolved" } });
    const reopened = await rest("POST", `/conversations/${conversationId}/reopen`);
    expect(reopened.body).toMatchObject({ conversation: { status: "open" } });
    const got = await rest("GET", `/conversations/${conversationId}`);
    expect(got.body).toMatchObject({ conversation: { id: conversationId, messageCount: 3, status: "open" } });
    const feedback = await rest("GET", `/feedback?botId=${botId}`);
    expect(feedback).toMatchObject({ status: 200, body: { items: [] } });
  });

  it("keeps another bot invisible to the restricted key (404) and refuses a viewer's reply (403)", async () => {
    expect((await rest("GET", `/bots/${otherBotId}/knowledge`)).status).toBe(404);
    expect((await rest("GET", `/conversations?botId=${otherBotId}`)).status).toBe(404);
    const session = await fetch(`${server.url}/api/v1/widget/${otherBotId}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: PAGE_ORIGIN },
      body: "{}",
    });
    const { conversationId } = (await session.json()) as { conversationId: string };
    expect((await rest("GET", `/conversations/${conversationId}`)).status).toBe(404);
    expect(
      (await rest("POST", `/conversations/${conversationId}/messages`, { body: { content: "hi" } })).status,
    ).toBe(404);
    const viewer = await rest("POST", `/conversations/${conversationId}/messages`, {
      token: org.viewer.accessToken,
      body: { orgId: org.id, content: "hi" },
    });
    expect(viewer.status).toBe(403);
    const agent = await rest("POST", `/conversations/${conversationId}/messages`, {
      token: org.agent.accessToken,
      body: { orgId: org.id, content: "hi" },
    });
    expect(agent.status).toBe(201);
  });
});
