import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAnswerResponder } from "../../../src/domains/ai/index";
import type { Responder } from "../../../src/domains/conversations/index";
import { resolveModel } from "../../../src/domains/providers/index";
import { parseBotConfig } from "../../../src/domains/shared/bot-config";
import { seedBot } from "../../conversations-fixtures";
import { type FakeLlm, startFakeLlm } from "../../fake-llm";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

/**
 * The resolved provider (row, decrypted key, client) is cached per org; every provider change drops it
 * here at once and, over Redis, in other processes.
 */

const FALLBACK = "No model, no answer.";
const FIRST_KEY = "sk-first-key-0000aaaa";
const SECOND_KEY = "sk-second-key-1111bbbb";

let app: TestApp;
let llm: FakeLlm;
let org: SeededOrg;
let botId: string;

beforeAll(async () => {
  app = await createTestApp({ settings: { outboundAllowCidrs: ["127.0.0.0/8"] } });
  llm = await startFakeLlm();
  llm.reply = () => "A model answer [1]";
  org = await app.seedOrg("Model targets");
  botId = (await seedBot(app, org.id)).id;
});
afterAll(async () => {
  await llm?.close();
  await app?.close();
});

const ask = (responder: Responder) =>
  responder.reply({
    orgId: org.id,
    botId,
    config: parseBotConfig({ fallbackMessage: FALLBACK }),
    content: "How long is the warranty?",
    now: new Date(),
  });

describe("resolved providers", () => {
  it("a provider created after an answer without one is used at once; its key and client are reused", async () => {
    const responder = createAnswerResponder(app.deps);
    expect(await ask(responder)).toMatchObject({ kind: "fallback", content: FALLBACK });
    const { provider } = await app.caller(org.admin.accessToken).providers.create({
      orgId: org.id,
      name: "Main",
      baseUrl: llm.url,
      apiKey: FIRST_KEY,
      chatModel: "fake-chat",
    });
    const calls = llm.chats.length;
    expect(await ask(responder)).toMatchObject({ kind: "answer", content: "A model answer [1]" });
    expect(llm.chats.length).toBe(calls + 1);
    expect(llm.authorizations.at(-1)).toBe(`Bearer ${FIRST_KEY}`);
    const first = await resolveModel(app.deps, org.id, null);
    expect(first?.target.providerId).toBe(provider.id);
    expect(await resolveModel(app.deps, org.id, null)).toBe(first);
    expect(await resolveModel(app.deps, org.id, provider.id)).toMatchObject({ target: first?.target });
  });

  it("a rotated key is sent on the next call; a deleted provider stops model calls", async () => {
    const admin = app.caller(org.admin.accessToken);
    const responder = createAnswerResponder(app.deps);
    const resolved = await resolveModel(app.deps, org.id, null);
    const providerId = resolved?.target.providerId as string;
    await admin.providers.rotateKey({ orgId: org.id, providerId, apiKey: SECOND_KEY });
    await ask(responder);
    expect(llm.authorizations.at(-1)).toBe(`Bearer ${SECOND_KEY}`);
    await admin.providers.update({ orgId: org.id, providerId, chatModel: "fake-chat-2" });
    await ask(responder);
    expect(llm.chats.at(-1)?.model).toBe("fake-chat-2");

    await admin.providers.delete({ orgId: org.id, providerId });
    const calls = llm.chats.length;
    expect(await ask(responder)).toMatchObject({ kind: "fallback", content: FALLBACK });
    expect(llm.chats.length).toBe(calls);
  });

  it.skipIf(!inject("redisUrl"))(
    "a rotation reaches another process's cache over Redis pub/sub",
    async () => {
      const admin = app.caller(org.admin.accessToken);
      const { provider } = await admin.providers.create({
        orgId: org.id,
        name: "Shared",
        baseUrl: llm.url,
        apiKey: FIRST_KEY,
        chatModel: "fake-chat",
      });
      const other = await app.peer();
      try {
        const responder = createAnswerResponder(other.deps);
        await ask(responder);
        expect(llm.authorizations.at(-1)).toBe(`Bearer ${FIRST_KEY}`);
        await admin.providers.rotateKey({ orgId: org.id, providerId: provider.id, apiKey: SECOND_KEY });
        const deadline = Date.now() + 2_000;
        let sent = FIRST_KEY;
        while (sent === FIRST_KEY && Date.now() < deadline) {
          await ask(responder);
          sent = (llm.authorizations.at(-1) ?? "").replace("Bearer ", "");
          if (sent === FIRST_KEY) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(sent).toBe(SECOND_KEY);
      } finally {
        await other.close();
      }
    },
  );
});
