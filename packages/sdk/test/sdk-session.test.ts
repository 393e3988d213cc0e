import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../apps/server/test/server-harness";
import { createKyroClient, isKyroClientError } from "../src/index";
import { asUser, recordingFetch, rejection, sessionClient, signUp, untilExpired } from "./sdk-fixtures";

/**
 * The client's credential handling against live servers: API keys are sent as bearer tokens; an
 * expired access token is renewed once (one refresh however many calls fail together) and the calls
 * retried; a dead session fails with UNAUTHORIZED without looping.
 *
 * Expiry cases run on a server with a two-second access-token TTL: `exp` counts whole seconds, so a
 * token lives one to two seconds — long enough for a retry to use it, where a one-second TTL could
 * hand out a token that is dead on arrival. The other cases run on a server with the default TTL.
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

describe("session refresh", () => {
  it("renews an expired access token once and retries the call", async () => {
    const tokens = await signUp(shortLived);
    const { client, recorder, issued } = sessionClient(shortLived, tokens);
    await untilExpired(shortLived, tokens.accessToken);

    const me = asUser(await client.auth.me.query());

    expect(me.user.createdAt).toBeInstanceOf(Date);
    expect(recorder.calls("auth.refresh")).toBe(1);
    expect(recorder.calls("auth.me")).toBe(2);
    expect(issued).toHaveLength(1);
    const [pair] = issued;
    expect(pair?.accessToken).not.toBe(tokens.accessToken);
    expect(pair?.refreshToken).not.toBe(tokens.refreshToken);
    expect(pair?.accessTokenExpiresAt).toBeInstanceOf(Date);
    // The retry went out with the new token; the refresh itself carried no credential.
    const [first, refresh, retry] = recorder.sent;
    expect(first?.authorization).toBe(`Bearer ${tokens.accessToken}`);
    expect(refresh?.procedures).toEqual(["auth.refresh"]);
    expect(refresh?.authorization).toBeNull();
    expect(retry?.authorization).toBe(`Bearer ${pair?.accessToken}`);
  });

  it("shares one refresh among calls failing together, batched or not", async () => {
    // Set up through a client that renews too, since a fresh token may already be dead.
    const initial = await signUp(shortLived);
    const setup = sessionClient(shortLived, initial);
    const { org } = await setup.client.orgs.create.mutate({ name: "Refresh Org" });
    const tokens = setup.issued.at(-1) ?? initial;
    const { client, recorder, issued } = sessionClient(shortLived, tokens);
    await untilExpired(shortLived, tokens.accessToken);

    // Two queries batched into one request, and a streamed export in a request of its own.
    const [me, orgs, exported] = await Promise.all([
      client.auth.me.query().then(asUser),
      client.orgs.list.query(),
      client.audit.export.query({ orgId: org.id, format: "json" }).then(async (chunks) => {
        let text = "";
        for await (const chunk of chunks) text += chunk;
        return JSON.parse(text) as { action: string }[];
      }),
    ]);

    expect(me.orgs.map((membership) => membership.id)).toEqual([org.id]);
    expect(orgs.items.map((membership) => membership.id)).toEqual([org.id]);
    expect(exported.map((event) => event.action)).toContain("org.created");
    expect(recorder.calls("auth.refresh")).toBe(1);
    expect(issued).toHaveLength(1);
    const failedFirst = recorder.sent.filter(
      (request) => request.authorization === `Bearer ${tokens.accessToken}`,
    );
    expect(failedFirst.length).toBeGreaterThanOrEqual(2);

    // Had the old refresh token been presented twice, reuse detection would have ended the session.
    const again = asUser(await client.auth.me.query());
    expect(again.user.id).toBe(me.user.id);
  });

  it("surfaces UNAUTHORIZED for an ended session after one refresh attempt", async () => {
    const tokens = await signUp(server);
    const { client, recorder, issued } = sessionClient(server, tokens);
    await client.auth.logout.mutate({});

    const error = await rejection(client.auth.me.query());

    expect(isKyroClientError(error) && error.data?.code).toBe("UNAUTHORIZED");
    expect(recorder.calls("auth.me")).toBe(1);
    expect(recorder.calls("auth.refresh")).toBe(1);
    expect(issued).toEqual([]);

    // The refused refresh token is forgotten: later calls fail at once, without another refresh.
    const second = await rejection(client.orgs.list.query());
    expect(isKyroClientError(second) && second.data?.code).toBe("UNAUTHORIZED");
    expect(recorder.calls("orgs.list")).toBe(1);
    expect(recorder.calls("auth.refresh")).toBe(1);
  });

  it("does not refresh without a refresh token", async () => {
    const tokens = await signUp(shortLived);
    const recorder = recordingFetch();
    const client = createKyroClient({
      baseUrl: shortLived.url,
      accessToken: tokens.accessToken,
      fetch: recorder.fetch,
    });
    await untilExpired(shortLived, tokens.accessToken);

    const error = await rejection(client.auth.me.query());

    expect(isKyroClientError(error) && error.data?.code).toBe("UNAUTHORIZED");
    expect(recorder.calls("auth.refresh")).toBe(0);
    expect(recorder.calls("auth.me")).toBe(1);
  });

  it("passes other errors through without refreshing", async () => {
    const tokens = await signUp(server);
    const { client, recorder } = sessionClient(server, tokens);

    const error = await rejection(client.orgs.get.query({ orgId: "00000000-0000-4000-8000-000000000000" }));

    expect(isKyroClientError(error) && error.data?.code).toBe("NOT_FOUND");
    expect(recorder.calls("auth.refresh")).toBe(0);
  });

  it("does not refresh for a refused login: the credentials in its input are wrong, not the session", async () => {
    const tokens = await signUp(shortLived);
    const { client, recorder } = sessionClient(shortLived, tokens);
    await untilExpired(shortLived, tokens.accessToken);

    const error = await rejection(
      client.auth.login.mutate({ email: "nobody@example.test", password: "not the password" }),
    );

    expect(isKyroClientError(error) && error.data?.code).toBe("UNAUTHORIZED");
    expect(recorder.calls("auth.login")).toBe(1);
    expect(recorder.calls("auth.refresh")).toBe(0);
  });

  it("reports a failing onTokens to the caller instead of hiding it", async () => {
    const tokens = await signUp(shortLived);
    const { client } = sessionClient(shortLived, tokens, {
      onTokens: () => {
        throw new Error("could not persist the tokens");
      },
    });
    await untilExpired(shortLived, tokens.accessToken);

    const error = await rejection(client.auth.me.query());

    expect(isKyroClientError(error) && error.message).toBe("could not persist the tokens");
  });
});
