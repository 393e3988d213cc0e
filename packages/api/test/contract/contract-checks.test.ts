import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { startWebhookSink, takeWebhookProblems } from "../webhooks-sink";
import { loadResponseContract, type ObservedResponse } from "./index";

/** The contract checks catch what they are meant to (each check run here on the real document). */

const BOT_ID = "01900000-0000-7000-8000-000000000001";
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const answer = (status: number, body: unknown, headers: Record<string, string> = {}): ObservedResponse => ({
  method: "GET",
  pathname: `/api/v1/bots/${BOT_ID}`,
  status,
  headers: { "content-type": "application/json; charset=utf-8", "x-request-id": "r1", ...headers },
  body: json(body),
});
const envelope = (code: string, details: unknown = null) => ({
  error: { code, message: "Bot not found", requestId: "r1", details },
});

describe("the response check", () => {
  it("passes a declared error answer and flags an undeclared status", async () => {
    const contract = await loadResponseContract();
    expect(contract.check(answer(404, envelope("NOT_FOUND", { resource: "Bot" })))).toEqual([]);
    expect(contract.check(answer(418, envelope("NOT_FOUND")))).toMatchObject([
      { check: "status", status: 418 },
    ]);
  });

  it("flags a body that breaks the status's schema, and a media type not declared", async () => {
    const contract = await loadResponseContract();
    const [broken] = contract.check(answer(200, { bot: { id: BOT_ID } }));
    expect(broken).toMatchObject({ check: "body", operation: "GET /bots/{botId}", status: 200 });
    const [text] = contract.check({
      ...answer(404, envelope("NOT_FOUND")),
      headers: { "content-type": "text/plain", "x-request-id": "r1" },
    });
    expect(text?.message).toMatch(/content type text\/plain/);
  });

  it("leaves answers outside the document's paths alone", async () => {
    const contract = await loadResponseContract();
    expect(contract.check({ ...answer(200, {}), pathname: "/health" })).toEqual([]);
  });
});

describe("the webhook sink's checks", () => {
  it("flags a delivery signed with a secret it was not given, and passes one signed with a trusted secret", async () => {
    const sink = await startWebhookSink();
    try {
      const trusted = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
      const stranger = `whsec_${Buffer.alloc(32, 2).toString("base64")}`;
      sink.trust(trusted);
      const deliver = async (secret: string) => {
        const body = JSON.stringify({ type: "org.updated", timestamp: new Date().toISOString(), data: {} });
        const id = `msg_${Math.random().toString(36).slice(2)}`;
        const at = new Date();
        const signature = new Webhook(secret).sign(id, at, body);
        const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)) };
        await fetch(sink.url, {
          method: "POST",
          headers: { ...headers, "webhook-signature": signature },
          body,
        });
      };
      await deliver(stranger);
      await sink.waitFor(1);
      expect(takeWebhookProblems().map((problem) => problem.message)).toContain(
        "the Standard Webhooks signature does not verify with any trusted secret",
      );
      await deliver(trusted);
      await sink.waitFor(2);
      expect(takeWebhookProblems().filter((problem) => problem.message.includes("signature"))).toEqual([]);
    } finally {
      await sink.close();
    }
  });
});
