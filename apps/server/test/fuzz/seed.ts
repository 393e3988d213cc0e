import type { ApiKeySeed, SeededOrg } from "@kyro/api/testing";
import { PAGE_ORIGIN, seedBot } from "@kyro/api/testing/conversations";
import { startWebhookSink, type WebhookSink } from "@kyro/api/testing/webhooks-sink";
import { asc, eq, messages } from "@kyro/db";
import { inject } from "vitest";
import type { TestServer } from "../server-harness";

declare module "vitest" {
  export interface ProvidedContext {
    fuzzSeed: string;
    fuzzRuns: string;
  }
}

/** FUZZ_SEED and FUZZ_RUNS (runs per operation and kind), with the defaults CI runs. */
export function fuzzSettings(): { seed: number; runs: number } {
  return { seed: Number(inject("fuzzSeed") || 20261207), runs: Number(inject("fuzzRuns") || 6) };
}

/**
 * Real resources for the fuzz to address: an org, an API key with every scope, bots with published
 * versions, a widget session with messages, a lead, webhook and inbound endpoints, an integration.
 * Path parameters are drawn from these ids (by name) most of the time, so operations reach their data.
 */
export interface FuzzWorld {
  org: SeededOrg;
  apiKey: string;
  widget: { token: string; origin: string };
  /** Real ids by path parameter name (`botId` → the seeded bots' ids). */
  ids: Record<string, string[]>;
  sink: WebhookSink;
  /** The integration's base URL: its test calls are not webhook deliveries. */
  upstream: WebhookSink;
}

async function openWidgetSession(server: TestServer, botId: string) {
  const res = await fetch(`${server.url}/api/v1/widget/${botId}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: PAGE_ORIGIN },
    body: "{}",
  });
  if (res.status !== 201) throw new Error(`widget session: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token: string; conversationId: string };
}

async function sendWidgetMessage(server: TestServer, session: { token: string; conversationId: string }) {
  const res = await fetch(`${server.url}/api/v1/widget/sessions/${session.conversationId}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: PAGE_ORIGIN,
      authorization: `Bearer ${session.token}`,
    },
    body: JSON.stringify({ content: "How do I reset my password?" }),
  });
  if (res.status !== 201) throw new Error(`widget message: ${res.status} ${await res.text()}`);
}

/** `scopes`: every scope the document names, so the key reaches every operation keys may call. */
export async function seedFuzzWorld(server: TestServer, scopes: ApiKeySeed["scopes"]): Promise<FuzzWorld> {
  const { app } = server;
  const sink = await startWebhookSink();
  const upstream = await startWebhookSink("/api", { contract: false });
  const org = await app.seedOrg("Fuzz");
  const owner = app.caller(org.owner.accessToken);
  const apiKey = (await app.seedApiKey(org.id, { scopes, name: "fuzz" })).key;
  // An action both seeded bots may run (each side of the allow-list names the other), taking any object.
  const { action } = await owner.actions.create({
    orgId: org.id,
    name: "Fuzz action",
    paramSchema: { type: "object" },
    config: {
      type: "http",
      method: "POST",
      urlTemplate: `${upstream.url}/action`,
      headerTemplates: {},
      integrationId: null,
    },
  });
  const bots = await Promise.all(
    [0, 1].map(() =>
      seedBot(app, org.id, { published: { fallbackMessage: "Ask me", allowedActionIds: [action.id] } }),
    ),
  );
  const botIds = bots.map((bot) => bot.id);
  await owner.actions.update({ orgId: org.id, actionId: action.id, allowedBotIds: botIds });
  const { run } = await owner.actions.test({ orgId: org.id, actionId: action.id, input: {} });
  const session = await openWidgetSession(server, botIds[0] as string);
  await sendWidgetMessage(server, session);
  const messageIds = (
    await app.database.db
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.conversationId, session.conversationId))
      .orderBy(asc(messages.createdAt))
  ).map((row) => row.id);
  const lead = await owner.leads.create({
    orgId: org.id,
    botId: botIds[0] as string,
    conversationId: session.conversationId,
    email: "visitor@example.com",
  });
  const webhook = await owner.webhooks.endpoints.create({ orgId: org.id, url: sink.url, eventTypes: null });
  sink.trust(webhook.secret);
  const inbound = await owner.integrations.inbound.create({
    orgId: org.id,
    name: "Fuzz inbound",
    profile: "standard-webhooks",
  });
  const integration = await owner.integrations.create({
    orgId: org.id,
    name: "Fuzz integration",
    baseUrl: upstream.url,
    auth: { type: "none" },
  });
  const deliveries = await owner.webhooks.deliveries.list({ orgId: org.id, endpointId: webhook.endpoint.id });
  return {
    org,
    apiKey,
    widget: { token: session.token, origin: PAGE_ORIGIN },
    sink,
    upstream,
    ids: {
      botId: botIds,
      versionId: bots.flatMap((bot) => (bot.versionId ? [bot.versionId] : [])),
      conversationId: [session.conversationId],
      messageId: [...messageIds, ...deliveries.items.map((delivery) => delivery.id)],
      leadId: [leadIdOf(lead)],
      endpointId: [webhook.endpoint.id, inbound.endpoint.id],
      integrationId: [integration.integration.id],
      slug: [inbound.endpoint.slug],
      actionId: [action.id],
      runId: [run.id],
    },
  };
}

/** `leads.create` answers the lead flat or wrapped, depending on the contract version. */
function leadIdOf(answer: unknown): string {
  const value = answer as { id?: string; lead?: { id: string } };
  return value.lead?.id ?? value.id ?? "";
}
