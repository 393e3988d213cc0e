import { type FakeLlm, startFakeLlm } from "@kyro/api/testing/fake-llm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../apps/server/test/server-harness";
import {
  createKyroClient,
  createKyroWidgetClient,
  isKyroWidgetError,
  type KyroWidgetStreamEvent,
} from "../src/index";
import { botReply } from "./sdk-fixtures";

/** The visitor client's streamed reply, as an async iterator, against a live server and model provider. */

const PAGE = "https://shop.example";

let server: TestServer;
let llm: FakeLlm;
let botId: string;

beforeAll(async () => {
  server = await startTestServer({ worker: true, settings: { outboundAllowCidrs: ["127.0.0.0/8"] } });
  llm = await startFakeLlm({ tokenDelayMs: 5 });
  const org = await server.app.seedOrg("Widget Stream SDK");
  const client = createKyroClient({ baseUrl: server.url, accessToken: org.owner.accessToken });
  const { bot } = await client.bots.create.mutate({ orgId: org.id, name: "Support" });
  botId = bot.id;
  await client.widget.set.mutate({ orgId: org.id, botId, settings: { allowedDomains: [PAGE] } });
  await client.providers.create.mutate({
    orgId: org.id,
    name: "Fake",
    baseUrl: llm.url,
    apiKey: "sk-fake-provider-key-5678",
    chatModel: "fake-chat",
  });
  const { syncJob } = await client.sources.create.mutate({
    orgId: org.id,
    botId,
    name: "Hours",
    config: { kind: "text", text: "The roastery is open from eight to six on weekdays." },
  });
  for (let attempt = 0; attempt < 200; attempt++) {
    const { syncJob: job } = await client.sources.syncJobs.get.query({
      orgId: org.id,
      syncJobId: syncJob?.id as string,
    });
    if (job.status === "succeeded") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
afterAll(async () => {
  await llm?.close();
  await server?.close();
});

describe("widget visitor client, streamed", () => {
  it("yields the reply's deltas, then the stored exchange with its citations", async () => {
    const widget = createKyroWidgetClient({ baseUrl: server.url, botId, origin: PAGE });
    const session = await widget.openSession();
    const events: KyroWidgetStreamEvent[] = [];
    for await (const event of session.stream("When is the roastery open?")) events.push(event);
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type !== "done") return;
    const text = events.flatMap((event) => (event.type === "delta" ? [event.text] : [])).join("");
    expect(text).toBe(botReply(done.exchange).content);
    expect(done.exchange.reply).toMatchObject({
      kind: "answer",
      citations: [expect.objectContaining({ title: "Hours" })],
    });
    const page = await session.messages();
    expect(page.items.map((message) => message.id)).toEqual([
      done.exchange.message.id,
      botReply(done.exchange).id,
    ]);
  });

  it("throws KyroWidgetError for a refusal before the first event", async () => {
    const widget = createKyroWidgetClient({ baseUrl: server.url, botId, origin: PAGE });
    const session = await widget.openSession();
    const forged = widget.resumeSession({ ...session.info, token: `${session.info.token}x` });
    const failure = await (async () => {
      for await (const _event of forged.stream("hello")) return null;
      return null;
    })().catch((error: unknown) => error);
    expect(isKyroWidgetError(failure) && failure.code).toBe("UNAUTHORIZED");
  });
});
