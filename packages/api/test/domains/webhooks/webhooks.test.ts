import { auditEvents, domainEvents, eq, webhookEndpoints, webhookMessages } from "@kyro/db";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../../src/core/events/catalogue";
import { emitEvent, emitEvents } from "../../../src/core/events/emit";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { startWebhookSink, type WebhookSink, waitUntil } from "../../webhooks-sink";

describe("webhooks", () => {
  let app: TestApp;
  let org: SeededOrg;
  let other: SeededOrg;
  let sink: WebhookSink;

  beforeAll(async () => {
    app = await createTestApp({
      worker: true,
      settings: { outboundAllowCidrs: ["127.0.0.0/8"], webhookRetryScheduleSeconds: [1, 1] },
    });
    org = await app.seedOrg("Hooks");
    other = await app.seedOrg("Elsewhere");
    sink = await startWebhookSink();
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });
  afterEach(async () => {
    sink.reply = () => ({ status: 200, body: "ok" });
    sink.received.length = 0;
    // Each test starts without endpoints, so no test receives another's events.
    await app.database.db.delete(webhookEndpoints);
  });

  const admin = () => app.caller(org.admin.accessToken).webhooks;
  // The sink verifies every delivery with the secrets of the endpoints that deliver to it.
  const create = async (input: { eventTypes?: string[] | null; url?: string } = {}) => {
    const created = await admin().endpoints.create({
      orgId: org.id,
      url: input.url ?? sink.url,
      eventTypes: (input.eventTypes ?? null) as never,
    });
    sink.trust(created.secret);
    return created;
  };
  const rename = (name: string) => app.caller(org.owner.accessToken).orgs.update({ orgId: org.id, name });

  async function deliveryOf(endpointId: string, status: "succeeded" | "failed") {
    return waitUntil(async () => {
      const page = await admin().deliveries.list({ orgId: org.id, endpointId, status });
      return page.items[0];
    });
  }

  it("lists every event type with its version and JSON Schema", async () => {
    const { items } = await app.caller(org.viewer.accessToken).webhooks.eventTypes({ limit: 100 });
    expect(items.map((item) => item.type)).toEqual(EVENT_TYPES);
    const updated = items.find((item) => item.type === "org.updated");
    expect(updated).toMatchObject({ version: 1, schema: { type: "object" } });
    const schema = updated?.schema as { properties?: object } | undefined;
    expect(Object.keys(schema?.properties ?? {})).toEqual(["orgId", "name", "changedFields"]);
  });

  it("creates an endpoint, shows its secret once and audits it", async () => {
    const created = await create({ eventTypes: ["org.updated"] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    const listed = await admin().endpoints.list({ orgId: org.id });
    const fetched = await admin().endpoints.get({ orgId: org.id, endpointId: created.endpoint.id });
    expect(JSON.stringify([listed, fetched])).not.toContain("whsec_");
    expect(fetched.endpoint).toMatchObject({ url: sink.url, eventTypes: ["org.updated"], enabled: true });
    const [stored] = await app.database.db
      .select({ secret: webhookEndpoints.secret })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, created.endpoint.id));
    expect(stored?.secret).not.toContain(created.secret.slice(6));
    const audit = await app.database.db
      .select({ action: auditEvents.action, diff: auditEvents.diff })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, created.endpoint.id));
    expect(audit.map((row) => row.action)).toEqual(["webhook_endpoint.created"]);
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  it("refuses private, metadata and plain-http URLs at create and update", async () => {
    for (const url of [
      "https://10.1.2.3/hook",
      "https://169.254.169.254/latest",
      "http://example.com/hook",
    ]) {
      const failure = await failureOf(create({ url }));
      expect(failure.code).toBe("BAD_REQUEST");
      expect(failure.message).toMatch(/^url: /);
    }
    const { endpoint } = await create();
    const failure = await failureOf(
      admin().endpoints.update({ orgId: org.id, endpointId: endpoint.id, url: "https://[::1]/x" }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    expect((await admin().endpoints.get({ orgId: org.id, endpointId: endpoint.id })).endpoint.url).toBe(
      sink.url,
    );
  });

  it("delivers a committed event signed per Standard Webhooks, filtered by event type", async () => {
    const all = await create();
    await create({ eventTypes: ["member.invited"] });
    await rename("Hooks renamed");
    const [request] = await sink.waitFor(1);
    if (!request) throw new Error("no request");
    const payload = new Webhook(all.secret).verify(request.body, request.signed) as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: "org.updated",
      data: { orgId: org.id, name: "Hooks renamed", changedFields: ["name"] },
    });
    const [event] = await app.database.db
      .select({ id: domainEvents.id, createdAt: domainEvents.createdAt })
      .from(domainEvents)
      .where(eq(domainEvents.type, "org.updated"));
    expect(request.signed["webhook-id"]).toBe(event?.id);
    expect(payload.timestamp).toBe(event?.createdAt.toISOString());
    expect(request.headers["content-type"]).toBe("application/json");
    const delivery = await deliveryOf(all.endpoint.id, "succeeded");
    expect(delivery).toMatchObject({ eventType: "org.updated", attempts: 1, lastResponseStatus: 200 });
    // The member.invited endpoint got nothing.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(sink.received).toHaveLength(1);
  });

  it("fans several events of one change out by each endpoint's filter", async () => {
    const all = await create();
    const revocations = await create({ eventTypes: ["api_key.revoked"] });
    const ids = await app.database.db.transaction((tx) =>
      emitEvents(tx, [
        { orgId: org.id, type: "api_key.revoked", data: { keyId: org.id, name: "one" } },
        {
          orgId: org.id,
          type: "org.updated",
          data: { orgId: org.id, name: "Hooks", changedFields: ["name"] },
        },
      ]),
    );
    const messagesOf = (endpointId: string) =>
      app.database.db
        .select({ eventId: webhookMessages.eventId, eventType: webhookMessages.eventType })
        .from(webhookMessages)
        .where(eq(webhookMessages.endpointId, endpointId));
    expect(await messagesOf(revocations.endpoint.id)).toEqual([
      { eventId: ids[0], eventType: "api_key.revoked" },
    ]);
    expect((await messagesOf(all.endpoint.id)).map((row) => row.eventId).sort()).toEqual([...ids].sort());
    await expect(
      app.database.db.transaction((tx) =>
        emitEvents(tx, [
          { orgId: org.id, type: "api_key.revoked", data: { keyId: org.id, name: "a" } },
          { orgId: other.id, type: "api_key.revoked", data: { keyId: other.id, name: "b" } },
        ]),
      ),
    ).rejects.toThrow("one org");
  });

  it("sends nothing for a change that rolled back", async () => {
    const { endpoint } = await create();
    await expect(
      app.database.db.transaction(async (tx) => {
        await emitEvent(tx, {
          orgId: org.id,
          type: "api_key.revoked",
          data: { keyId: org.id, name: "gone" },
        });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const messages = await app.database.db
      .select({ id: webhookMessages.id })
      .from(webhookMessages)
      .where(eq(webhookMessages.endpointId, endpoint.id));
    expect(messages).toEqual([]);
  });

  it("retries a failing delivery with the same webhook-id and logs every attempt", async () => {
    const { endpoint } = await create();
    sink.reply = (_request, index) =>
      index < 2 ? { status: 500, body: "x".repeat(30_000) } : { status: 204 };
    await rename("Retry me");
    const requests = await sink.waitFor(3);
    expect(new Set(requests.map((request) => request.signed["webhook-id"])).size).toBe(1);
    const delivery = await deliveryOf(endpoint.id, "succeeded");
    const { delivery: detail } = await admin().deliveries.get({
      orgId: org.id,
      endpointId: endpoint.id,
      messageId: delivery.id,
    });
    expect(
      detail.attemptLog.map((attempt) => [attempt.attempt, attempt.responseStatus, attempt.succeeded]),
    ).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 204, true],
    ]);
    expect(detail.attemptLog[0]).toMatchObject({ responseTruncated: true, error: "HTTP 500" });
    expect(detail.attemptLog[0]?.responseBody).toHaveLength(20 * 1024);
    expect(detail.payload).toMatchObject({ type: "org.updated", data: { name: "Retry me" } });
  });

  it("dead-letters after the last retry; replay resends it with the same webhook-id", async () => {
    const { endpoint } = await create();
    sink.reply = () => ({ status: 502 });
    await rename("Dead letter");
    const failed = await deliveryOf(endpoint.id, "failed");
    expect(failed.attempts).toBe(3);
    expect(sink.received).toHaveLength(3);
    const target = { orgId: org.id, endpointId: endpoint.id, messageId: failed.id };

    sink.reply = () => ({ status: 200 });
    const replayed = await admin().deliveries.replay(target);
    expect(replayed.delivery.status).toBe("pending");
    expect((await failureOf(admin().deliveries.replay(target))).code).toBe("CONFLICT");
    await deliveryOf(endpoint.id, "succeeded");
    expect(sink.received).toHaveLength(4);
    expect(sink.received[3]?.signed["webhook-id"]).toBe(sink.received[0]?.signed["webhook-id"]);
    const { delivery: detail } = await admin().deliveries.get(target);
    expect(detail.attemptLog.at(-1)).toMatchObject({ attempt: 4, trigger: "replay", succeeded: true });
  });

  it("recovers the failed messages of a window, at most 14 days back", async () => {
    const { endpoint } = await create();
    sink.reply = () => ({ status: 500 });
    await rename("Recover one");
    await deliveryOf(endpoint.id, "failed");
    const tooOld = new Date(Date.now() - 15 * 86_400_000);
    const failure = await failureOf(
      admin().deliveries.recover({ orgId: org.id, endpointId: endpoint.id, since: tooOld }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    sink.reply = () => ({ status: 200 });
    const since = new Date(Date.now() - 60_000);
    const result = await admin().deliveries.recover({ orgId: org.id, endpointId: endpoint.id, since });
    expect(result.recovered).toBe(1);
    await deliveryOf(endpoint.id, "succeeded");
  });

  it("disables an endpoint that answers 410, audits it and announces it", async () => {
    const gone = await create({ eventTypes: ["org.updated"] });
    const watcher = await create({ eventTypes: ["webhook_endpoint.disabled"] });
    sink.reply = (request) => (request.body.includes('"org.updated"') ? { status: 410 } : { status: 200 });
    await rename("Gone");
    const requests = await sink.waitFor(2);
    const announcement = new Webhook(watcher.secret).verify(
      requests[1]?.body ?? "",
      requests[1]?.signed ?? {},
    ) as { data: Record<string, unknown> };
    expect(announcement.data).toMatchObject({ endpointId: gone.endpoint.id, url: sink.url });
    const { endpoint } = await admin().endpoints.get({ orgId: org.id, endpointId: gone.endpoint.id });
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: "The endpoint answered 410 Gone" });
    const [audit] = await app.database.db
      .select({ actorType: auditEvents.actorType, ip: auditEvents.ip, requestId: auditEvents.requestId })
      .from(auditEvents)
      .where(eq(auditEvents.action, "webhook_endpoint.disabled"));
    expect(audit).toEqual({ actorType: "system", ip: null, requestId: null });
    await deliveryOf(gone.endpoint.id, "failed");
  });

  it("disables an endpoint after five days of continuous failure", async () => {
    const { endpoint } = await create();
    await app.database.db
      .update(webhookEndpoints)
      .set({ failingSince: new Date(Date.now() - 5 * 86_400_000 - 60_000) })
      .where(eq(webhookEndpoints.id, endpoint.id));
    sink.reply = () => ({ status: 500 });
    await rename("Five days");
    await sink.waitFor(1);
    const disabled = await waitUntil(async () => {
      const current = await admin().endpoints.get({ orgId: org.id, endpointId: endpoint.id });
      return current.endpoint.enabled ? null : current.endpoint;
    });
    expect(disabled.disabledReason).toBe("Every delivery failed for five days");
    const enabled = await admin().endpoints.enable({ orgId: org.id, endpointId: endpoint.id });
    expect(enabled.endpoint).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it("waits as long as a 429's Retry-After asks before the next attempt", async () => {
    await create();
    sink.reply = (_request, index) =>
      index === 0 ? { status: 429, headers: { "retry-after": "2" } } : { status: 200 };
    await rename("Slow down");
    const [first, second] = await sink.waitFor(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_900);
  });

  it("keeps an endpoint within its deliveries per second", async () => {
    const { endpoint } = await create();
    await admin().endpoints.update({ orgId: org.id, endpointId: endpoint.id, rateLimitPerSecond: 2 });
    await app.database.db.transaction(async (tx) => {
      for (let index = 0; index < 6; index++) {
        await emitEvent(tx, {
          orgId: org.id,
          type: "api_key.revoked",
          data: { keyId: org.id, name: `k${index}` },
        });
      }
    });
    const requests = await sink.waitFor(6, 30_000);
    const times = requests.map((request) => request.at).sort((a, b) => a - b);
    // Two per one-second window: any five of them span at least three windows.
    expect((times[4] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it("signs with the old and the new secret for a day after a rotation", async () => {
    const created = await create();
    const rotated = await admin().endpoints.rotateSecret({ orgId: org.id, endpointId: created.endpoint.id });
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.endpoint.previousSecretExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    await rename("Rotated");
    const [request] = await sink.waitFor(1);
    if (!request) throw new Error("no request");
    expect(request.signed["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(new Webhook(rotated.secret).verify(request.body, request.signed)).toBeTruthy();
    expect(new Webhook(created.secret).verify(request.body, request.signed)).toBeTruthy();
  });

  it("emits member and API key events without secrets", async () => {
    await create();
    const owner = app.caller(org.owner.accessToken);
    const { key, apiKey } = await owner.apiKeys.create({ orgId: org.id, name: "ci", scopes: ["read:bots"] });
    await owner.apiKeys.revoke({ orgId: org.id, keyId: apiKey.id });
    await owner.orgs.members.updateRole({ orgId: org.id, userId: org.viewer.id, role: "agent" });
    await owner.orgs.members.invite({ orgId: org.id, email: "new@example.test", role: "viewer" });
    await owner.orgs.members.remove({ orgId: org.id, userId: org.agent.id });
    const requests = await sink.waitFor(5);
    const types = requests.map((request) => (JSON.parse(request.body) as { type: string }).type).sort();
    expect(types).toEqual([
      "api_key.created",
      "api_key.revoked",
      "member.invited",
      "member.removed",
      "member.role_changed",
    ]);
    const created = requests.find((request) => request.body.includes("api_key.created"));
    expect(created?.body).not.toContain(key);
    expect(JSON.parse(created?.body ?? "{}").data).toEqual({
      keyId: apiKey.id,
      name: "ci",
      scopes: ["read:bots"],
      botId: null,
      expiresAt: null,
    });
  });

  describe("access", () => {
    it("refuses anonymous callers, other orgs, too-low roles and keys without admin:org", async () => {
      const { endpoint } = await create();
      const target = { orgId: org.id, endpointId: endpoint.id };
      expect((await failureOf(app.caller().webhooks.endpoints.list({ orgId: org.id }))).code).toBe(
        "UNAUTHORIZED",
      );
      const agent = await app.seedUser({ orgId: org.id, role: "agent" });
      expect((await failureOf(app.caller(agent.accessToken).webhooks.endpoints.get(target))).code).toBe(
        "FORBIDDEN",
      );
      const outsider = app.caller(other.admin.accessToken).webhooks;
      expect((await failureOf(outsider.endpoints.get(target))).code).toBe("NOT_FOUND");
      // Another org's endpoint id under one's own org answers as if it did not exist.
      const foreign = { orgId: other.id, endpointId: endpoint.id };
      expect((await failureOf(outsider.endpoints.get(foreign))).code).toBe("NOT_FOUND");
      expect((await failureOf(outsider.endpoints.delete(foreign))).code).toBe("NOT_FOUND");
      expect((await failureOf(outsider.deliveries.list(foreign))).code).toBe("NOT_FOUND");
      expect((await failureOf(outsider.endpoints.rotateSecret(foreign))).code).toBe("NOT_FOUND");

      const weak = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
      expect((await failureOf(app.caller(weak.key).webhooks.endpoints.list({ orgId: org.id }))).code).toBe(
        "FORBIDDEN",
      );
      const strong = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
      const viaKey = await app.caller(strong.key).webhooks.endpoints.list({ orgId: org.id });
      expect(viaKey.items.map((item) => item.id)).toEqual([endpoint.id]);
    });

    it("deletes an endpoint with an audit event; a second delete is NOT_FOUND", async () => {
      const { endpoint } = await create();
      const target = { orgId: org.id, endpointId: endpoint.id };
      expect(await admin().endpoints.delete(target)).toBeUndefined();
      expect((await failureOf(admin().endpoints.delete(target))).code).toBe("NOT_FOUND");
      const [audit] = await app.database.db
        .select({ action: auditEvents.action })
        .from(auditEvents)
        .where(eq(auditEvents.action, "webhook_endpoint.deleted"));
      expect(audit).toBeDefined();
    });
  });
});
