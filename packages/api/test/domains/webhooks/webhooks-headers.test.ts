import { auditEvents, domainEvents, eq, webhookEndpoints } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskHeaderValue } from "../../../src/domains/webhooks/endpoints/service";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { startWebhookSink, type WebhookSink, waitUntil } from "../../webhooks-sink";

/** Custom header values are credentials: sent to the receiver, shown to nobody. */

const API_KEY = "sk_live_0123456789abcdefWXYZ";
const TENANT = "acme-7";

let app: TestApp;
let org: SeededOrg;
let sink: WebhookSink;

beforeAll(async () => {
  app = await createTestApp({ worker: true, settings: { outboundAllowCidrs: ["127.0.0.0/8"] } });
  org = await app.seedOrg("Header secrets");
  sink = await startWebhookSink();
});
afterAll(async () => {
  await app?.close();
  await sink?.close();
});

const hooks = () => app.caller(org.admin.accessToken).webhooks;
const rename = (name: string) => app.caller(org.owner.accessToken).orgs.update({ orgId: org.id, name });

/** Every plain value this file ever configures; none may appear in an answer. */
const PLAIN = [API_KEY, TENANT, "sk_live_rotated_9876543210zyxwQRST", "beta"];
const expectMasked = (answer: unknown) => {
  const text = JSON.stringify(answer);
  for (const value of PLAIN) expect(text).not.toContain(value);
};

async function storedHeaders(endpointId: string) {
  const [row] = await app.database.db
    .select({ headers: webhookEndpoints.headers })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, endpointId));
  return row?.headers;
}

describe("maskHeaderValue", () => {
  it("shows the last 4 characters of long values only", () => {
    expect(maskHeaderValue(API_KEY)).toBe("••••WXYZ");
    expect(maskHeaderValue(TENANT)).toBe("••••");
    expect(maskHeaderValue("0123456789abcde")).toBe("••••");
    expect(maskHeaderValue("")).toBe("••••");
  });
});

describe("webhook endpoint custom headers", () => {
  it("masks values in every endpoint answer, delivers them in plain, and keeps them out of other answers", async () => {
    const created = await hooks().endpoints.create({
      orgId: org.id,
      url: sink.url,
      eventTypes: ["org.updated"],
      headers: { "X-Api-Key": API_KEY, "X-Tenant": TENANT },
    });
    sink.trust(created.secret);
    const endpointId = created.endpoint.id;
    expect(created.endpoint.headers).toEqual({ "X-Api-Key": "••••WXYZ", "X-Tenant": "••••" });
    const target = { orgId: org.id, endpointId };
    const answers = [
      created,
      await hooks().endpoints.list({ orgId: org.id }),
      await hooks().endpoints.get(target),
      await hooks().endpoints.update({ ...target, description: "Billing" }),
      await hooks().endpoints.disable(target),
      await hooks().endpoints.enable(target),
      await hooks().endpoints.rotateSecret(target),
    ];
    for (const answer of answers) expectMasked(answer);
    expect(await storedHeaders(endpointId)).toEqual({ "X-Api-Key": API_KEY, "X-Tenant": TENANT });

    await rename("Header secrets, renamed");
    const [request] = await sink.waitFor(1);
    expect(request?.headers["x-api-key"]).toBe(API_KEY);
    expect(request?.headers["x-tenant"]).toBe(TENANT);
    const delivery = await waitUntil(async () => {
      const page = await hooks().deliveries.list({ ...target, status: "succeeded" });
      return page.items[0];
    });
    expectMasked(await hooks().deliveries.list(target));
    expectMasked(await hooks().deliveries.get({ ...target, messageId: delivery.id }));

    const owner = app.caller(org.owner.accessToken);
    expectMasked(await owner.audit.list({ orgId: org.id, limit: 100 }));
    const exported: string[] = [];
    for await (const chunk of await owner.audit.export({ orgId: org.id, format: "json" }))
      exported.push(chunk);
    expect(exported.join("")).toContain(endpointId);
    expectMasked(exported);
    expectMasked(await app.database.db.select({ diff: auditEvents.diff }).from(auditEvents));
    expectMasked(await app.database.db.select({ data: domainEvents.data }).from(domainEvents));
  });

  it("keeps stored values on an update without headers or with masked values sent back", async () => {
    const { endpoint, secret } = await hooks().endpoints.create({
      orgId: org.id,
      url: sink.url,
      eventTypes: ["member.invited"],
      headers: { "X-Api-Key": API_KEY, "X-Tenant": TENANT },
    });
    sink.trust(secret);
    const target = { orgId: org.id, endpointId: endpoint.id };
    await hooks().endpoints.update({ ...target, url: `${sink.url}?v=2` });
    expect(await storedHeaders(endpoint.id)).toEqual({ "X-Api-Key": API_KEY, "X-Tenant": TENANT });

    // A client edits what `get` showed: one value replaced, one sent back masked, one added.
    const shown = (await hooks().endpoints.get(target)).endpoint.headers;
    const rotated = "sk_live_rotated_9876543210zyxwQRST";
    const updated = await hooks().endpoints.update({
      ...target,
      headers: { ...shown, "X-Api-Key": rotated, "X-Flag": "beta" },
    });
    expect(updated.endpoint.headers).toEqual({
      "X-Api-Key": "••••QRST",
      "X-Tenant": "••••",
      "X-Flag": "••••",
    });
    expect(await storedHeaders(endpoint.id)).toEqual({
      "X-Api-Key": rotated,
      "X-Tenant": TENANT,
      "X-Flag": "beta",
    });

    // A name left out is removed.
    await hooks().endpoints.update({ ...target, headers: { "X-Tenant": "••••" } });
    expect(await storedHeaders(endpoint.id)).toEqual({ "X-Tenant": TENANT });
  });

  it("refuses a masked value with nothing to keep, and values a delivery could not send", async () => {
    const { endpoint, secret } = await hooks().endpoints.create({
      orgId: org.id,
      url: sink.url,
      headers: { "X-Tenant": TENANT },
    });
    sink.trust(secret);
    const target = { orgId: org.id, endpointId: endpoint.id };
    // Thunks: each call starts only when awaited, so no rejection goes unhandled meanwhile.
    const refusals = [
      () => hooks().endpoints.create({ orgId: org.id, url: sink.url, headers: { "X-Api-Key": "••••WXYZ" } }),
      () => hooks().endpoints.update({ ...target, headers: { "X-Tenant": "••••", "X-Other": "••••" } }),
      () => hooks().endpoints.update({ ...target, headers: { "X-Tenant": "••••ac7e" } }),
      () => hooks().endpoints.update({ ...target, headers: { "X-Tenant": "snowman ☃" } }),
      () => hooks().endpoints.update({ ...target, headers: { "X-Tenant": "bell \u0007" } }),
    ];
    for (const refusal of refusals) expect((await failureOf(refusal())).code).toBe("BAD_REQUEST");
    expect(await storedHeaders(endpoint.id)).toEqual({ "X-Tenant": TENANT });
  });
});
