import type { SeededOrg } from "@kyro/api/testing";
import { startWebhookSink, type WebhookSink } from "@kyro/api/testing/webhooks-sink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

/** Actions over REST: API keys with admin:org manage them, keys with run:actions run them. */
describe("actions over REST", () => {
  let server: TestServer;
  let org: SeededOrg;
  let target: WebhookSink;
  let hooks: WebhookSink;
  let manager: string;
  let runner: string;
  const api = (path: string) => `${server.url}/api/v1${path}`;

  beforeAll(async () => {
    server = await startTestServer({ worker: true, settings: { outboundAllowCidrs: ["127.0.0.0/8"] } });
    org = await server.app.seedOrg("Rest actions");
    manager = (await server.app.seedApiKey(org.id, { scopes: ["admin:org"] })).key;
    runner = (await server.app.seedApiKey(org.id, { scopes: ["run:actions"] })).key;
    // The action's target answers like any HTTP service; the contract check is for webhook deliveries only.
    target = await startWebhookSink("/orders", { contract: false });
    hooks = await startWebhookSink();
  });
  afterAll(async () => {
    await server.close();
    await target.close();
    await hooks.close();
  });

  it("creates, reads, updates, runs (201 + Location), lists runs and deletes; delivers the run's event", async () => {
    const owner = server.app.caller(org.owner.accessToken);
    const webhook = await owner.webhooks.endpoints.create({
      orgId: org.id,
      url: hooks.url,
      eventTypes: ["action.run.completed", "action.run.failed"],
    });
    hooks.trust(webhook.secret);
    const { bot } = await owner.bots.create({ orgId: org.id, name: "Rest bot" });

    const created = await fetch(api("/actions"), {
      method: "POST",
      headers: bearer(manager),
      body: JSON.stringify({
        name: "Create order",
        paramSchema: { type: "object", properties: { sku: { type: "string" } }, required: ["sku"] },
        config: { type: "http", method: "POST", urlTemplate: `${target.url}/{{sku}}` },
        allowedBotIds: [bot.id],
      }),
    });
    expect(created.status).toBe(201);
    const { action } = (await created.json()) as { action: { id: string; enabled: boolean } };
    expect(created.headers.get("location")).toBe(`/api/v1/actions/${action.id}`);
    await owner.bots.update({ orgId: org.id, botId: bot.id, config: { allowedActionIds: [action.id] } });

    const read = await fetch(api(`/actions/${action.id}`), { headers: bearer(runner) });
    expect(read.status).toBe(200);
    const patched = await fetch(api(`/actions/${action.id}`), {
      method: "PATCH",
      headers: bearer(manager),
      body: JSON.stringify({ description: "Places an order" }),
    });
    expect(((await patched.json()) as { action: { description: string } }).action.description).toBe(
      "Places an order",
    );

    const body = JSON.stringify({ botId: bot.id, input: { sku: "AB-1" } });
    const refused = await fetch(api(`/actions/${action.id}/runs`), {
      method: "POST",
      headers: bearer(manager),
      body,
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { code: "FORBIDDEN", details: { reason: "scope", requiredScopes: ["run:actions"] } },
    });
    const invalid = await fetch(api(`/actions/${action.id}/runs`), {
      method: "POST",
      headers: bearer(runner),
      body: JSON.stringify({ botId: bot.id, input: { sku: 5 } }),
    });
    expect(invalid.status).toBe(422);
    const started = await fetch(api(`/actions/${action.id}/runs`), {
      method: "POST",
      headers: bearer(runner),
      body,
    });
    expect(started.status).toBe(201);
    const { run } = (await started.json()) as { run: { id: string; status: string } };
    expect(started.headers.get("location")).toBe(`/api/v1/action-runs/${run.id}`);
    expect(run.status).toBe("queued");

    const [request] = await target.waitFor(1);
    expect(JSON.parse(request?.body ?? "{}")).toEqual({ sku: "AB-1" });
    const [delivery] = await hooks.waitFor(1);
    expect(JSON.parse(delivery?.body ?? "{}")).toMatchObject({
      type: "action.run.completed",
      data: { runId: run.id, actionId: action.id, botId: bot.id, trigger: "api", httpStatus: 200 },
    });
    const finished = (await (
      await fetch(api(`/action-runs/${run.id}`), { headers: bearer(runner) })
    ).json()) as {
      run: { status: string };
    };
    expect(finished.run.status).toBe("succeeded");
    const runs = (await (
      await fetch(api(`/actions/${action.id}/runs`), { headers: bearer(runner) })
    ).json()) as {
      items: { id: string }[];
      nextCursor: string | null;
    };
    expect(runs).toEqual({ items: [expect.objectContaining({ id: run.id })], nextCursor: null });

    const deleted = await fetch(api(`/actions/${action.id}`), { method: "DELETE", headers: bearer(manager) });
    expect(deleted.status).toBe(204);
    const gone = await fetch(api(`/actions/${action.id}`), { headers: bearer(manager) });
    expect(gone.status).toBe(404);
  });

  it("answers another org's action with 404", async () => {
    const other = await server.app.seedOrg("Rest actions neighbour");
    const { action } = await server.app.caller(other.owner.accessToken).actions.create({
      orgId: other.id,
      name: "Theirs",
      paramSchema: { type: "object" },
      config: {
        type: "email",
        recipients: ["ops@example.test"],
        subjectTemplate: "Hi",
        bodyTemplate: "Hello",
      },
    });
    for (const [method, path] of [
      ["GET", `/actions/${action.id}`],
      ["POST", `/actions/${action.id}/test`],
    ] as const) {
      const res = await fetch(api(path), {
        method,
        headers: bearer(manager),
        body: method === "POST" ? JSON.stringify({ input: {} }) : undefined,
      });
      expect(res.status, path).toBe(404);
    }
  });
});
