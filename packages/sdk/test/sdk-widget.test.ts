import { createHmac } from "node:crypto";
import { DEFAULT_LIMIT_SETTINGS } from "@kyro/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../apps/server/test/server-harness";
import {
  createKyroClient,
  createKyroWidgetClient,
  isKyroWidgetError,
  type KyroClient,
  type KyroWidgetSessionInfo,
  paginate,
} from "../src/index";
import { botReply, rejection } from "./sdk-fixtures";

/**
 * The visitor client against a live server, set up as a customer would: a bot created, its widget
 * allowed on one page origin, one knowledge entry. Node's fetch sends no Origin of its own, so the
 * client sends the page's (as a browser would).
 */

const PAGE = "https://shop.example";
const ANSWER = "Open Settings, choose Security and click Reset password.";

let server: TestServer;
/** Allows one visitor message a minute per conversation. */
let strict: TestServer;
let owner: KyroClient;
let orgId: string;
let botId: string;

/** A bot of a new org on `on`, its widget allowed on PAGE, with one knowledge entry. */
async function setUp(on: TestServer) {
  const org = await on.app.seedOrg("Widget SDK");
  const client = createKyroClient({ baseUrl: on.url, accessToken: org.owner.accessToken });
  const { bot } = await client.bots.create.mutate({ orgId: org.id, name: "Support" });
  await client.widget.set.mutate({ orgId: org.id, botId: bot.id, settings: { allowedDomains: [PAGE] } });
  await client.knowledge.entries.replace.mutate({
    orgId: org.id,
    botId: bot.id,
    entries: [{ question: "How do I reset my password?", answer: ANSWER, tags: ["account"] }],
  });
  return { client, orgId: org.id, botId: bot.id };
}

beforeAll(async () => {
  [server, strict] = await Promise.all([
    startTestServer(),
    startTestServer({
      settings: { limits: { ...DEFAULT_LIMIT_SETTINGS, conversationMessagesPerMinute: 1 } },
    }),
  ]);
  ({ client: owner, orgId, botId } = await setUp(server));
});

afterAll(async () => {
  await Promise.all([server?.close(), strict?.close()]);
});

/** A fetch that counts requests by method, to see how many pages were fetched. */
function countingFetch() {
  const requests: string[] = [];
  return {
    requests,
    fetch: (input: string, init: RequestInit) => {
      requests.push(`${init.method} ${new URL(input).pathname}${new URL(input).search}`);
      return fetch(input, init);
    },
  };
}

describe("widget visitor client", () => {
  it("opens a session and sends, lists, rates, leaves a lead and asks for a person over the REST routes", async () => {
    const counter = countingFetch();
    const visitor = createKyroWidgetClient({
      baseUrl: server.url,
      botId,
      origin: PAGE,
      fetch: counter.fetch,
    });

    const session = await visitor.openSession();
    const exchange = await session.send("how do I reset my password");
    const page = await session.messages();
    const rating = await session.feedback({
      messageId: botReply(exchange).id,
      helpful: false,
      reason: "Too short",
    });
    const receipt = await session.lead({ email: "Visitor@Example.test", name: "Vera" });
    const handoff = await session.handoff();

    expect(session.info).toMatchObject({ botId, endUserId: null, welcomeMessage: expect.any(String) });
    expect(Date.parse(session.info.expiresAt)).toBeGreaterThan(Date.now());
    expect(exchange.reply).toMatchObject({ role: "bot", kind: "answer", content: ANSWER });
    expect(exchange.conversation).toEqual({ id: session.info.conversationId, status: "open" });
    expect(page.items.map((message) => message.id)).toEqual([exchange.message.id, botReply(exchange).id]);
    expect(page.nextCursor).toBeNull();
    // REST JSON: timestamps arrive as ISO strings, as the types say.
    expect(page.items[0]?.createdAt).toBe(exchange.message.createdAt);
    expect(typeof page.items[0]?.createdAt).toBe("string");
    expect(rating.feedback).toMatchObject({
      messageId: botReply(exchange).id,
      helpful: false,
      reason: "Too short",
    });
    expect(counter.requests).toEqual([
      `POST /api/v1/widget/${botId}/sessions`,
      `POST /api/v1/widget/sessions/${session.info.conversationId}/messages`,
      `GET /api/v1/widget/sessions/${session.info.conversationId}/messages`,
      `POST /api/v1/widget/messages/${botReply(exchange).id}/feedback`,
      `POST /api/v1/widget/sessions/${session.info.conversationId}/lead`,
      `POST /api/v1/widget/sessions/${session.info.conversationId}/handoff`,
    ]);
    expect(handoff).toEqual({
      conversation: { id: session.info.conversationId, status: "escalated" },
      created: true,
      notice: "A person will reply here.",
    });
    // What the org sees: the lead, linked to the visitor's conversation.
    const leads = await owner.leads.list.query({ orgId, botId });
    expect(leads.items.find((lead) => lead.id === receipt.leadId)).toMatchObject({
      email: "visitor@example.test",
      name: "Vera",
      conversationId: session.info.conversationId,
    });
  });

  it("pages through the transcript with paginate", async () => {
    const counter = countingFetch();
    const visitor = createKyroWidgetClient({
      baseUrl: server.url,
      botId,
      origin: PAGE,
      fetch: counter.fetch,
    });
    const session = await visitor.openSession();
    const sent = [];
    for (const question of ["one", "two", "three"]) sent.push(await session.send(question));

    const ids: string[] = [];
    for await (const message of paginate(session.messages, { limit: 2 })) ids.push(message.id);

    expect(ids).toEqual(sent.flatMap((exchange) => [exchange.message.id, botReply(exchange).id]));
    expect(counter.requests.filter((request) => request.startsWith("GET"))).toHaveLength(3);
  });

  it("identifies a visitor with userId and userHash, and refuses a wrong hash", async () => {
    const { secret } = await owner.bots.identitySecret.query({ orgId, botId });
    const userId = "customer-42";
    const userHash = createHmac("sha256", secret).update(userId).digest("hex");
    const visitor = createKyroWidgetClient({ baseUrl: server.url, botId, origin: PAGE });

    const session = await visitor.openSession({ userId, userHash });
    const error = await rejection(visitor.openSession({ userId: "customer-43", userHash }));

    expect(session.info.endUserId).toBe(userId);
    expect(isKyroWidgetError(error) && [error.status, error.code]).toEqual([401, "UNAUTHORIZED"]);
  });

  it("reports a page origin the bot does not allow as FORBIDDEN, with the request id", async () => {
    const visitor = createKyroWidgetClient({
      baseUrl: `${server.url}/`,
      botId,
      origin: "https://evil.example",
    });

    const error = await rejection(visitor.openSession());

    expect(isKyroWidgetError(error)).toBe(true);
    expect(error).toMatchObject({ status: 403, code: "FORBIDDEN", requestId: expect.any(String) });
  });

  it("resumes a session from its stored info, bound to the origin that opened it", async () => {
    const visitor = createKyroWidgetClient({ baseUrl: server.url, botId, origin: PAGE });
    const opened = await visitor.openSession();
    await opened.send("how do I reset my password");
    const stored = JSON.parse(JSON.stringify(opened.info)) as KyroWidgetSessionInfo;

    const resumed = createKyroWidgetClient({ baseUrl: server.url, botId, origin: PAGE }).resumeSession(
      stored,
    );
    const elsewhere = createKyroWidgetClient({
      baseUrl: server.url,
      botId,
      origin: "https://other.example",
    }).resumeSession(stored);

    expect((await resumed.messages()).items).toHaveLength(2);
    const error = await rejection(elsewhere.send("hello"));
    expect(isKyroWidgetError(error) && error.code).toBe("FORBIDDEN");
    expect(() =>
      createKyroWidgetClient({ baseUrl: server.url, botId: crypto.randomUUID() }).resumeSession(stored),
    ).toThrow(/belongs to bot/);
  });

  it("reports a rate limit as RATE_LIMITED with the seconds to wait", async () => {
    const bot = await setUp(strict);
    const visitor = createKyroWidgetClient({ baseUrl: strict.url, botId: bot.botId, origin: PAGE });
    const session = await visitor.openSession();

    // One message a minute: the second is refused (a third covers a minute ending in between).
    let error: unknown;
    for (let attempt = 0; attempt < 3 && error === undefined; attempt++) {
      error = await session.send("hello").then(
        () => undefined,
        (refused: unknown) => refused,
      );
    }

    expect(isKyroWidgetError(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    const wait = isKyroWidgetError(error) ? error.retryAfterSeconds : null;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
  });
});
