// Compiled and run by sdk-package.test.ts in a project that installed only the packed SDK.
import {
  createKyroClient,
  isKyroClientError,
  type KyroClient,
  type KyroFetch,
  type KyroInputs,
  type KyroOutputs,
  type KyroTokens,
  paginate,
} from "@kyro/sdk";
import { createKyroWidgetClient, type KyroWidgetMessage } from "@kyro/sdk/widget";

// No @types/node here on purpose: the SDK's declarations must not need it.
declare const process: { env: Record<string, string | undefined> };

const baseUrl = process.env.KYRO_URL;
if (!baseUrl) throw new Error("KYRO_URL is not set");
// The test signs up a user and hands over the token of the verification link it was mailed.
const verificationToken = process.env.KYRO_VERIFICATION_TOKEN;
if (!verificationToken) throw new Error("KYRO_VERIFICATION_TOKEN is not set");

const password = "a long and unusual passphrase";
const anonymous: KyroClient = createKyroClient({ baseUrl });
const signup: KyroOutputs["auth"]["signup"] = await anonymous.auth.signup.mutate({
  email: `consumer-${Date.now()}@example.test`,
  password,
  name: "Consumer",
});
const verifyInput: KyroInputs["auth"]["verifyEmail"] = { token: verificationToken, password };
const session: KyroOutputs["auth"]["verifyEmail"] = await anonymous.auth.verifyEmail.mutate(verifyInput);

// Records what went out, and on demand spoils the next call's access token so the server refuses it
// and the client must refresh: a refresh without waiting for the token to expire.
const sentBodies: string[] = [];
let spoilNextAccessToken = false;
const spoilingFetch: KyroFetch = (input, init) => {
  const headers = new Headers(init?.headers);
  if (typeof init?.body === "string") sentBodies.push(init.body);
  if (spoilNextAccessToken && headers.has("authorization")) {
    spoilNextAccessToken = false;
    headers.set("authorization", "Bearer spoiled");
  }
  return fetch(input, { ...(init as RequestInit), headers });
};
const persisted: KyroTokens[] = [];
const client = createKyroClient({
  baseUrl,
  accessToken: session.accessToken,
  refreshToken: session.refreshToken,
  onTokens: (tokens) => {
    persisted.push(tokens);
  },
  headers: { "user-agent": "kyro-sdk-consumer" },
  fetch: spoilingFetch,
});
const createInput: KyroInputs["orgs"]["create"] = { name: "Consumer Org" };
const { org } = await client.orgs.create.mutate(createInput);

// Issued together, so the client sends them as one batched request.
const [caller, audit] = await Promise.all([
  client.auth.me.query(),
  client.audit.list.query({ orgId: org.id, limit: 10 }),
]);
// The caller is a user or an API key; the union narrows on `kind`.
if (caller.kind !== "user") throw new Error(`expected a user, got ${caller.kind}`);
const me: Extract<KyroOutputs["auth"]["me"], { kind: "user" }> = caller;
const createdAt: Date = me.user.createdAt;
const tokenExpiry: Date = session.accessTokenExpiresAt;

// switchOrg issues a new pair and retires the session's refresh token: the client must adopt the pair.
const { org: second } = await client.orgs.create.mutate({ name: "Second Org" });
const sentBeforeSwitch = sentBodies.length;
const switched = await client.auth.switchOrg.mutate({ orgId: second.id });
spoilNextAccessToken = true;
const afterRefresh = await client.auth.me.query();
const bodiesAfterSwitch = sentBodies.slice(sentBeforeSwitch);

// Three bots, listed two a page.
for (const name of ["One", "Two", "Three"]) await client.bots.create.mutate({ orgId: org.id, name });
const botNames: string[] = [];
for await (const bot of paginate(client.bots.list, { orgId: org.id, limit: 2 })) botNames.push(bot.name);

// An API-key client: org-scoped procedures take no orgId (the key's org is used).
const { key } = await client.apiKeys.create.mutate({
  orgId: org.id,
  name: "Consumer key",
  scopes: ["write:bots"],
});
const machine = createKyroClient({ baseUrl, apiKey: key });
await machine.bots.create.mutate({ name: "Four" });
const keyBotNames: string[] = [];
for await (const keyBot of paginate(machine.bots.list, { limit: 3 })) keyBotNames.push(keyBot.name);

// A visitor on an allowed page, through the widget entry point.
const pageOrigin = "https://shop.example";
const { bot } = await client.bots.create.mutate({ orgId: org.id, name: "Widget Bot" });
await client.widget.set.mutate({ orgId: org.id, botId: bot.id, settings: { allowedDomains: [pageOrigin] } });
const visitor = createKyroWidgetClient({ baseUrl, botId: bot.id, origin: pageOrigin });
const widgetSession = await visitor.openSession();
const exchange = await widgetSession.send("Hello there");
const transcript: KyroWidgetMessage[] = [];
for await (const message of paginate(widgetSession.messages, { limit: 1 })) transcript.push(message);

let unknownOrgError: string | undefined;
try {
  await client.orgs.get.query({ orgId: "00000000-0000-4000-8000-000000000000" });
} catch (error) {
  if (isKyroClientError(error)) unknownOrgError = error.data?.code;
}

console.log(
  JSON.stringify({
    email: me.user.email,
    verificationRequired: signup.verificationRequired,
    sessionEmail: session.user.email,
    orgs: me.orgs.map((membership) => ({ id: membership.id, name: membership.name, role: membership.role })),
    orgId: org.id,
    auditActions: audit.items.map((event) => event.action),
    datesRevived: createdAt instanceof Date && tokenExpiry instanceof Date,
    unknownOrgError,
    switchedOrgId: switched.activeOrgId,
    secondOrgId: second.id,
    activeOrgAfterRefresh: afterRefresh.kind === "user" ? afterRefresh.activeOrgId : null,
    persistedAdoptedPair: persisted.some((tokens) => tokens.refreshToken === switched.refreshToken),
    refreshPresentedAdopted: bodiesAfterSwitch.some(
      (body) => body.includes("refreshToken") && body.includes(switched.refreshToken),
    ),
    retiredTokenSentAgain: bodiesAfterSwitch.some((body) => body.includes(session.refreshToken)),
    pairsPersisted: persisted.length,
    botNames,
    keyBotNames,
    // People who own a conversation answer instead of the bot: no reply then.
    widgetReplyRole: exchange.reply?.role ?? null,
    transcriptRoles: transcript.map((message) => message.role),
  }),
);
