import type { SeededOrg } from "@kyro/api/testing";
import { startWebhookSink, type WebhookSink } from "@kyro/api/testing/webhooks-sink";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

describe("webhooks over REST (API keys with admin:org)", () => {
  let server: TestServer;
  let org: SeededOrg;
  let sink: WebhookSink;
  let key: string;
  const api = (path: string) => `${server.url}/api/v1${path}`;

  beforeAll(async () => {
    server = await startTestServer({ worker: true, settings: { outboundAllowCidrs: ["127.0.0.0/8"] } });
    org = await server.app.seedOrg("Rest hooks");
    key = (await server.app.seedApiKey(org.id, { scopes: ["admin:org"] })).key;
    sink = await startWebhookSink();
  });
  afterAll(async () => {
    await server.close();
    await sink.close();
  });

  it("creates, lists, reads, updates and deletes endpoints; delivers and replays", async () => {
    const created = await fetch(api("/webhooks/endpoints"), {
      method: "POST",
      headers: bearer(key),
      body: JSON.stringify({ url: sink.url, eventTypes: ["org.updated"], description: "ci" }),
    });
    expect(created.status).toBe(201);
    const { endpoint, secret } = (await created.json()) as { endpoint: { id: string }; secret: string };
    expect(secret).toMatch(/^whsec_/);
    sink.trust(secret);

    const listed = (await (await fetch(api("/webhooks/endpoints"), { headers: bearer(key) })).json()) as {
      items: { id: string }[];
    };
    expect(listed.items.map((item) => item.id)).toEqual([endpoint.id]);
    const patched = await fetch(api(`/webhooks/endpoints/${endpoint.id}`), {
      method: "PATCH",
      headers: bearer(key),
      body: JSON.stringify({ description: "renamed" }),
    });
    expect(((await patched.json()) as { endpoint: { description: string } }).endpoint.description).toBe(
      "renamed",
    );

    await server.app.caller(org.owner.accessToken).orgs.update({ orgId: org.id, name: "Rest renamed" });
    const [request] = await sink.waitFor(1);
    expect(new Webhook(secret).verify(request?.body ?? "", request?.signed ?? {})).toMatchObject({
      type: "org.updated",
    });
    const deliveries = async () =>
      (await (
        await fetch(api(`/webhooks/endpoints/${endpoint.id}/deliveries`), { headers: bearer(key) })
      ).json()) as {
        items: { id: string; status: string }[];
      };
    for (let tries = 0; (await deliveries()).items[0]?.status !== "succeeded"; tries++) {
      if (tries > 100) throw new Error("delivery never settled");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const messageId = (await deliveries()).items[0]?.id;
    const detail = await fetch(api(`/webhooks/endpoints/${endpoint.id}/deliveries/${messageId}`), {
      headers: bearer(key),
    });
    expect(
      ((await detail.json()) as { delivery: { attemptLog: unknown[] } }).delivery.attemptLog,
    ).toHaveLength(1);
    const replay = await fetch(api(`/webhooks/endpoints/${endpoint.id}/deliveries/${messageId}/replay`), {
      method: "POST",
      headers: bearer(key),
    });
    expect(replay.status).toBe(202);
    const again = await sink.waitFor(2);
    expect(again[1]?.signed["webhook-id"]).toBe(again[0]?.signed["webhook-id"]);

    const removed = await fetch(api(`/webhooks/endpoints/${endpoint.id}`), {
      method: "DELETE",
      headers: bearer(key),
    });
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe("");
    const gone = await fetch(api(`/webhooks/endpoints/${endpoint.id}`), { headers: bearer(key) });
    expect(gone.status).toBe(404);
  });

  it("answers 400 for a private address and 403 for a key without admin:org", async () => {
    const refused = await fetch(api("/webhooks/endpoints"), {
      method: "POST",
      headers: bearer(key),
      body: JSON.stringify({ url: "https://192.168.1.10/hook" }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^url: /);
    const weak = await server.app.seedApiKey(org.id, { scopes: ["read:bots"] });
    const forbidden = await fetch(api("/webhooks/endpoints"), { headers: bearer(weak.key) });
    expect(forbidden.status).toBe(403);
    const anonymous = await fetch(api("/webhooks/endpoints"));
    expect(anonymous.status).toBe(401);
  });
});
