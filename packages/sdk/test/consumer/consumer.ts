// Compiled and run by sdk-package.test.ts in a project that installed only the packed SDK.
import {
  createKyroClient,
  isKyroClientError,
  type KyroClient,
  type KyroInputs,
  type KyroOutputs,
} from "@kyro/sdk";

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

const client = createKyroClient({
  baseUrl,
  accessToken: session.accessToken,
  refreshToken: session.refreshToken,
  headers: { "user-agent": "kyro-sdk-consumer" },
});
const createInput: KyroInputs["orgs"]["create"] = { name: "Consumer Org" };
const org = await client.orgs.create.mutate(createInput);

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
  }),
);
