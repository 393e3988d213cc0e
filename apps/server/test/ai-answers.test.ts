import { readFileSync } from "node:fs";
import type { SeededOrg } from "@kyro/api/testing";
import { eventsOf, PAGE_ORIGIN, seedBot } from "@kyro/api/testing/conversations";
import { type FakeLlm, startFakeLlm } from "@kyro/api/testing/fake-llm";
import { type FixtureSite, startFixtureSite } from "@kyro/api/testing/fixture-site";
import { asc, eq, messages, usageEvents } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * Issue #10's path, over real HTTP: a bot with a provider answers from an uploaded PDF and a crawled
 * site, streamed into the widget with citations, and the tokens and cost show in the usage views.
 */

const OPERATOR = "pricing-operator@example.test";
const FALLBACK = "Sorry, I can't answer that — want a human?";
const PDF = readFileSync(
  new URL("../../../packages/api/test/fixtures/documents/warranty.pdf", import.meta.url),
);

let server: TestServer;
let llm: FakeLlm;
let site: FixtureSite;
let org: SeededOrg;
let botId: string;
let pdfDocumentId: string;

async function rest(method: string, path: string, body?: unknown, token = org.admin.accessToken) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    // biome-ignore lint/suspicious/noExplicitAny: JSON of many routes, read by path in assertions.
    body: res.status === 204 ? null : ((await res.json()) as Record<string, any>),
  };
}

async function waitForSync(syncJobId: string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const { body } = await rest("GET", `/sync-jobs/${syncJobId}?orgId=${org.id}`);
    if (body?.syncJob.status === "succeeded" || body?.syncJob.status === "failed") return body.syncJob;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("sync did not finish");
}

async function openSession() {
  const res = await fetch(`${server.url}/api/v1/widget/${botId}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: PAGE_ORIGIN },
    body: "{}",
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { token: string; conversationId: string };
}

/** Posts to the streaming route and reads the SSE events as they arrive, with when the first came. */
async function streamAnswer(session: { token: string; conversationId: string }, content: string) {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/v1/widget/sessions/${session.conversationId}/messages/stream`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${session.token}`,
      origin: PAGE_ORIGIN,
      accept: "text/event-stream",
    },
    body: JSON.stringify({ content }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  // biome-ignore lint/suspicious/noExplicitAny: event payloads, read by path in assertions.
  const events: { event: string; data: any }[] = [];
  let firstEventMs: number | null = null;
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    firstEventMs ??= performance.now() - started;
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.+)$/m.exec(block)?.[1] ?? "message";
      const data = /^data: (.+)$/m.exec(block)?.[1] ?? "null";
      events.push({ event: name, data: JSON.parse(data) });
      end = buffer.indexOf("\n\n");
    }
  }
  return { events, firstEventMs: firstEventMs ?? 0 };
}

beforeAll(async () => {
  server = await startTestServer({
    worker: true,
    settings: {
      outboundAllowCidrs: ["127.0.0.0/8"],
      platformAdmins: [OPERATOR],
      // Long enough for a loaded CI machine; the hang test waits two attempts of it.
      ai: { callTimeoutMs: 2_500, maxRetries: 1 },
    },
  });
  llm = await startFakeLlm({ tokenDelayMs: 20 });
  site = await startFixtureSite();
  org = await server.app.seedOrg("AI Answers");
  botId = (
    await seedBot(server.app, org.id, {
      published: {
        persona: "You are Kyro Coffee's assistant.",
        fallbackMessage: FALLBACK,
        escalation: { keywords: [], fallbacksBeforeHandoff: 2 },
      },
    })
  ).id;
  const operator = await server.app.seedUser({ email: OPERATOR });
  await server.app.caller(operator.accessToken).usage.pricing.set({
    model: "fake-chat",
    inputUsdPerMillion: "2.50",
    outputUsdPerMillion: "10",
  });

  const provider = await rest("POST", "/providers", {
    orgId: org.id,
    name: "Fake",
    baseUrl: llm.url,
    apiKey: "sk-fake-provider-key-1234",
    chatModel: "fake-chat",
  });
  expect(provider.status).toBe(201);
  expect(provider.body?.provider).toMatchObject({ isDefault: true, keyLast4: "1234" });

  const pdf = await rest("POST", "/sources", {
    orgId: org.id,
    botId,
    name: "Warranty",
    config: { kind: "file", fileName: "warranty.pdf", contentBase64: PDF.toString("base64") },
  });
  expect(pdf.status).toBe(201);
  expect((await waitForSync(pdf.body?.syncJob.id)).status).toBe("succeeded");
  const documents = await rest("GET", `/sources/${pdf.body?.source.id}/documents?orgId=${org.id}`);
  pdfDocumentId = documents.body?.items[0].id;

  const crawl = await rest("POST", "/sources", {
    orgId: org.id,
    botId,
    name: "Help center",
    config: { kind: "url", url: `${site.url}/`, maxDepth: 2, maxPages: 10 },
  });
  expect(crawl.status).toBe(201);
  expect((await waitForSync(crawl.body?.syncJob.id)).status).toBe("succeeded");
});
afterAll(async () => {
  await site?.close();
  await llm?.close();
  await server?.close();
});

describe("AI answers over HTTP", () => {
  it("streams an answer from the uploaded PDF into the widget, with deltas and a cited final event", async () => {
    const session = await openSession();
    const { events } = await streamAnswer(session, "How long does the espresso machine warranty last?");
    const deltas = events.filter((item) => item.event === "delta");
    expect(deltas.length).toBeGreaterThan(3);
    const done = events.at(-1);
    expect(done?.event).toBe("done");
    expect(done?.data.reply.kind).toBe("answer");
    expect(done?.data.reply.content).toContain("24 months");
    expect(deltas.map((item) => item.data.text).join("")).toBe(done?.data.reply.content);
    expect(done?.data.reply.citations).toEqual([
      expect.objectContaining({ documentId: pdfDocumentId, title: "warranty.pdf", url: null }),
    ]);
    // The prompt carried the persona and the PDF passage.
    const prompt = llm.chats.at(-1)?.messages[0]?.content ?? "";
    expect(prompt).toContain("Kyro Coffee's assistant");
    expect(prompt).toContain("24 months");
    const [stored] = await server.app.database.db
      .select({ metadata: messages.metadata })
      .from(messages)
      .where(eq(messages.id, done?.data.reply.id));
    expect(stored?.metadata).toMatchObject({ kind: "answer", citations: done?.data.reply.citations });
  });

  it("answers from the crawled site without streaming, citing the page's URL", async () => {
    const session = await openSession();
    const res = await fetch(`${server.url}/api/v1/widget/sessions/${session.conversationId}/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${session.token}`,
        origin: PAGE_ORIGIN,
      },
      body: JSON.stringify({ content: "What ratio of coffee to water for pour over?" }),
    });
    expect(res.status).toBe(201);
    const exchange = (await res.json()) as {
      reply: { kind: string; content: string; citations: { url: string }[] };
    };
    expect(exchange.reply.kind).toBe("answer");
    expect(exchange.reply.content).toContain("sixteen grams of water");
    expect(exchange.reply.citations.map((citation) => citation.url)).toEqual([`${site.url}/brewing`]);
  });

  it("records a usage event per model call, priced to six decimals, in the usage views", async () => {
    const rows = await server.app.database.db
      .select({
        inputTokens: usageEvents.inputTokens,
        outputTokens: usageEvents.outputTokens,
        costMicros: usageEvents.costMicros,
        messageId: usageEvents.messageId,
      })
      .from(usageEvents)
      .where(eq(usageEvents.orgId, org.id))
      .orderBy(asc(usageEvents.id));
    expect(rows.length).toBe(2);
    for (const row of rows) {
      expect(row.messageId).not.toBeNull();
      expect(row.costMicros).toBe(Math.round(row.inputTokens * 2.5 + row.outputTokens * 10));
    }
    const input = rows.reduce((sum, row) => sum + row.inputTokens, 0);
    const output = rows.reduce((sum, row) => sum + row.outputTokens, 0);
    const micros = rows.reduce((sum, row) => sum + row.costMicros, 0);
    const summary = await rest("GET", `/usage/summary?orgId=${org.id}`);
    expect(summary.status).toBe(200);
    expect(summary.body?.summary).toMatchObject({
      calls: 2,
      inputTokens: input,
      outputTokens: output,
      costUsd: `0.${String(micros).padStart(6, "0")}`,
      byModel: [expect.objectContaining({ model: "fake-chat", calls: 2 })],
      byBot: [expect.objectContaining({ botId, calls: 2 })],
    });
    const daily = await rest("GET", `/usage/daily?orgId=${org.id}&botId=${botId}`);
    expect(daily.body?.items[0]).toMatchObject({ botId, inputTokens: input, outputTokens: output });
  });

  it("sends the fallback when the provider fails or hangs, never losing the message, and escalates on repeats", async () => {
    const session = await openSession();
    llm.failures.push({ status: 500 }, { status: 500 });
    const failed = await streamAnswer(session, "Does the warranty cover the boiler?");
    expect(failed.events.at(-1)?.data.reply).toMatchObject({ kind: "fallback", content: FALLBACK });
    llm.failures.push("hang", "hang");
    const hung = await streamAnswer(session, "Does the warranty cover the pump?");
    expect(hung.events.at(-1)?.data).toMatchObject({
      reply: { kind: "fallback", content: FALLBACK },
      conversation: { status: "escalated" },
    });
    const stored = await server.app.database.db
      .select({ role: messages.role, content: messages.content })
      .from(messages)
      .where(eq(messages.conversationId, session.conversationId))
      .orderBy(asc(messages.id));
    expect(stored.map((row) => row.role)).toEqual(["visitor", "bot", "visitor", "bot"]);
    const escalated = await eventsOf(server.app, org.id, "conversation.escalated");
    expect(
      escalated.some(
        (event) => (event.data as { conversationId: string }).conversationId === session.conversationId,
      ),
    ).toBe(true);
  });

  it('counts an "I don\'t know" answer as a fallback, with its tokens still recorded', async () => {
    const session = await openSession();
    const before = (await rest("GET", `/usage/summary?orgId=${org.id}`)).body?.summary.calls;
    const { events } = await streamAnswer(session, "Do you sell tea sets made of zirconium?");
    expect(events.at(-1)?.data.reply).toMatchObject({ kind: "fallback", content: FALLBACK, citations: [] });
    expect((await rest("GET", `/usage/summary?orgId=${org.id}`)).body?.summary.calls).toBe(before + 1);
  });

  it("refuses the streaming route without a session token, before any event", async () => {
    const session = await openSession();
    const res = await fetch(
      `${server.url}/api/v1/widget/sessions/${session.conversationId}/messages/stream`,
      {
        method: "POST",
        headers: { "content-type": "application/json", origin: PAGE_ORIGIN },
        body: JSON.stringify({ content: "hello" }),
      },
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });
});
