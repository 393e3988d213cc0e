import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../apps/server/test/server-harness";
import { createKyroClient, isKyroClientError, type KyroTokens } from "../src/index";
import {
  asUser,
  PASSWORD,
  recordingFetch,
  rejection,
  type SentRequest,
  sessionClient,
  signUp,
  untilExpired,
} from "./sdk-fixtures";

/**
 * Every pair a call returns becomes the session's: the server retires the refresh token the session
 * held when it issues a new pair, and reuse of a retired one revokes the whole session. Expiry cases
 * run on a server with a two-second access-token TTL (see sdk-session.test.ts).
 */

let shortLived: TestServer;
let server: TestServer;

beforeAll(async () => {
  [shortLived, server] = await Promise.all([
    startTestServer({ settings: { accessTokenTtlSeconds: 2 } }),
    startTestServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([shortLived?.close(), server?.close()]);
});

const pairOf = (tokens: KyroTokens): KyroTokens => ({
  accessToken: tokens.accessToken,
  refreshToken: tokens.refreshToken,
  accessTokenExpiresAt: tokens.accessTokenExpiresAt,
});

const carrying = (requests: SentRequest[], secret: string) =>
  requests.filter((request) => request.body?.includes(secret) || request.authorization?.includes(secret));

describe("token-issuing calls", () => {
  it("adopts the pair switchOrg returns, so the next refresh keeps the session alive", async () => {
    const initial = await signUp(shortLived);
    const { client, recorder, issued } = sessionClient(shortLived, initial);
    // The session may already have been renewed while the orgs were created: take the pair it holds.
    const { org: first } = await client.orgs.create.mutate({ name: "First Org" });
    const { org: second } = await client.orgs.create.mutate({ name: "Second Org" });
    const held = issued.at(-1) ?? initial;
    const sentBefore = recorder.sent.length;

    const switched = await client.auth.switchOrg.mutate({ orgId: second.id });

    expect(switched.activeOrgId).toBe(second.id);
    expect(issued.at(-1)).toEqual(pairOf(switched));
    await untilExpired(shortLived, switched.accessToken);
    const me = asUser(await client.auth.me.query());

    expect(me.activeOrgId).toBe(second.id);
    expect(me.orgs.map((org) => org.id).sort()).toEqual([first.id, second.id].sort());
    const afterSwitch = recorder.sent.slice(sentBefore);
    // The refresh presented the adopted token; the retired one never went out again.
    const refreshes = afterSwitch.filter((request) => request.procedures.includes("auth.refresh"));
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.body).toContain(switched.refreshToken);
    expect(carrying(afterSwitch, held.refreshToken)).toEqual([]);
    // The refreshed pair went to onTokens too, and the session still answers.
    const renewed = issued.at(-1);
    expect(renewed?.refreshToken).not.toBe(switched.refreshToken);
    expect(asUser(await client.auth.me.query()).user.id).toBe(me.user.id);
  });

  it("adopts the pair of an explicit auth.refresh and sends its access token from then on", async () => {
    const tokens = await signUp(server);
    const { client, recorder, issued } = sessionClient(server, tokens);

    const pair = await client.auth.refresh.mutate({ refreshToken: tokens.refreshToken });
    await client.auth.me.query();

    expect(issued).toEqual([pairOf(pair)]);
    expect(recorder.sent.at(-1)?.authorization).toBe(`Bearer ${pair.accessToken}`);
  });

  it("signs in a client created with only onTokens when it logs in", async () => {
    const { user } = await signUp(server);
    const recorder = recordingFetch();
    const issued: KyroTokens[] = [];
    const client = createKyroClient({
      baseUrl: server.url,
      fetch: recorder.fetch,
      onTokens: (pair) => {
        issued.push(pair);
      },
    });

    const session = await client.auth.login.mutate({ email: user.email, password: PASSWORD });
    const me = asUser(await client.auth.me.query());

    expect(me.user.id).toBe(user.id);
    expect(issued).toEqual([pairOf(session)]);
    expect(recorder.sent.at(-1)?.authorization).toBe(`Bearer ${session.accessToken}`);
  });

  it("keeps no pair in an anonymous client, which can sign in many users", async () => {
    const { user } = await signUp(server);
    const recorder = recordingFetch();
    const anonymous = createKyroClient({ baseUrl: server.url, fetch: recorder.fetch });

    const session = await anonymous.auth.login.mutate({ email: user.email, password: PASSWORD });
    const error = await rejection(anonymous.auth.me.query());

    expect(session.user.id).toBe(user.id);
    expect(isKyroClientError(error) && error.data?.code).toBe("UNAUTHORIZED");
    expect(recorder.sent.map((request) => request.authorization)).toEqual([null, null]);
  });

  it("fails the call when onTokens cannot take an adopted pair, but uses the pair", async () => {
    const tokens = await signUp(server);
    const { client, recorder } = sessionClient(server, tokens, {
      onTokens: () => {
        throw new Error("could not persist the tokens");
      },
    });
    const { org } = await client.orgs.create.mutate({ name: "Unsaved Switch" });

    const error = await rejection(client.auth.switchOrg.mutate({ orgId: org.id }));
    const me = asUser(await client.auth.me.query());

    expect(isKyroClientError(error) && error.message).toBe("could not persist the tokens");
    expect(me.activeOrgId).toBe(org.id);
    expect(recorder.sent.at(-1)?.authorization).not.toBe(`Bearer ${tokens.accessToken}`);
  });
});
