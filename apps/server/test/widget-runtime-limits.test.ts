import { DEFAULT_LIMIT_SETTINGS } from "@kyro/api";
import type { SeededOrg } from "@kyro/api/testing";
import { PAGE_ORIGIN, seedBot } from "@kyro/api/testing/conversations";
import { eq, messages } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let org: SeededOrg;
let botId: string;

beforeAll(async () => {
  server = await startTestServer({
    settings: { limits: { ...DEFAULT_LIMIT_SETTINGS, conversationMessagesPerMinute: 2 } },
  });
  org = await server.app.seedOrg("Widget Limits");
  botId = (await seedBot(server.app, org.id)).id;
});
afterAll(async () => {
  await server?.close();
});

async function openSession() {
  const res = await fetch(`${server.url}/api/v1/widget/${botId}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: PAGE_ORIGIN },
    body: "{}",
  });
  return (await res.json()) as { token: string; conversationId: string };
}

const send = (session: { token: string; conversationId: string }, content: string) =>
  fetch(`${server.url}/api/v1/widget/sessions/${session.conversationId}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${session.token}`,
      origin: PAGE_ORIGIN,
    },
    body: JSON.stringify({ content }),
  });

describe("widget message limits", () => {
  it("answers 429 over the per-conversation rate and stores nothing for the refused message", async () => {
    // Windows are clock-aligned minutes: start early in one so all three messages share it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_100 - intoMinute));
    const session = await openSession();
    expect((await send(session, "one")).status).toBe(201);
    expect((await send(session, "two")).status).toBe(201);
    const refused = await send(session, "three");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    const stored = await server.app.database.db
      .select({ content: messages.content })
      .from(messages)
      .where(eq(messages.conversationId, session.conversationId));
    expect(stored.map((row) => row.content)).not.toContain("three");
    expect(stored).toHaveLength(4);
    // The limit is per conversation: another visitor is unaffected.
    expect((await send(await openSession(), "hello")).status).toBe(201);
  });
});
