import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createContext } from "../../../src/core/context";
import { createCallerFactory, orgProcedure, router } from "../../../src/core/trpc";
import { generateApiKey } from "../../../src/domains/api-keys/key-format";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Key Auth");
  neighbour = await app.seedOrg("Key Auth Neighbour");
});
afterAll(async () => {
  await app?.close();
});

describe("authenticating with an API key", () => {
  it("auth.me describes the key and its org", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org", "read:bots"], name: "reporting" });
    const me = await app.caller(key.key).auth.me();
    expect(me).toEqual({
      kind: "apiKey",
      apiKey: { id: key.id, name: "reporting", scopes: ["admin:org", "read:bots"], botId: null },
      org: { id: org.id, name: "Key Auth", slug: expect.stringMatching(/^key-auth-/) },
    });
  });

  it("auth.me reads the org afresh: a rename shows on the key's next call", async () => {
    const renamed = await app.seedOrg("Key Auth Before");
    const key = await app.seedApiKey(renamed.id, { scopes: ["read:bots"] });
    const before = await app.caller(key.key).auth.me();
    expect(before.kind === "apiKey" ? before.org.name : null).toBe("Key Auth Before");
    await app.caller(renamed.owner.accessToken).orgs.update({ orgId: renamed.id, name: "Key Auth After" });
    const after = await app.caller(key.key).auth.me();
    expect(after.kind === "apiKey" ? after.org : null).toEqual({
      id: renamed.id,
      name: "Key Auth After",
      slug: expect.stringMatching(/^key-auth-before-/),
    });
  });

  it("refuses revoked, expired, tampered, malformed and unknown keys with UNAUTHORIZED", async () => {
    const revoked = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    await app.caller(org.owner.accessToken).apiKeys.revoke({ orgId: org.id, keyId: revoked.id });
    const expired = await app.seedApiKey(org.id, {
      scopes: ["admin:org"],
      expiresAt: new Date(Date.now() - 1000),
    });
    const valid = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const body = valid.key.at(20) === "a" ? "b" : "a";
    const tampered = `${valid.key.slice(0, 20)}${body}${valid.key.slice(21)}`;

    const cases: [string, string][] = [
      [revoked.key, "API key has been revoked"],
      [expired.key, "API key has expired"],
      [tampered, "Invalid API key"],
      [valid.key.slice(0, -1), "Invalid API key"],
      [`${valid.key}0`, "Invalid API key"],
      ["kyro_sk_not-a-key", "Invalid API key"],
      [generateApiKey(), "Invalid API key"],
    ];
    for (const [secret, message] of cases) {
      expect(await failureOf(app.caller(secret).auth.me()), secret).toMatchObject({
        code: "UNAUTHORIZED",
        message,
      });
      expect(await failureOf(app.caller(secret).orgs.get({ orgId: org.id })), secret).toMatchObject({
        code: "UNAUTHORIZED",
        message,
      });
    }
    expect((await app.caller(valid.key).auth.me()).kind).toBe("apiKey");
  });

  it("acts only inside its own org: another orgId answers NOT_FOUND", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    expect((await app.caller(key.key).orgs.get({ orgId: org.id })).org).toMatchObject({
      id: org.id,
      role: null,
    });
    expect((await failureOf(app.caller(key.key).orgs.get({ orgId: neighbour.id }))).code).toBe("NOT_FOUND");
    expect((await failureOf(app.caller(key.key).audit.list({ orgId: neighbour.id }))).code).toBe("NOT_FOUND");
  });

  it("never exceeds its scopes: a permission they lack answers FORBIDDEN naming the scope needed", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["read:bots", "read:analytics"] });
    const calls = [
      () => app.caller(key.key).orgs.get({ orgId: org.id }),
      () => app.caller(key.key).orgs.update({ orgId: org.id, name: "Taken over" }),
      () => app.caller(key.key).audit.list({ orgId: org.id }),
    ];
    for (const call of calls) {
      expect(await failureOf(call())).toMatchObject({
        code: "FORBIDDEN",
        details: { reason: "scope", requiredScopes: ["admin:org"] },
      });
    }
    expect((await app.caller(org.owner.accessToken).orgs.get({ orgId: org.id })).org).toMatchObject({
      name: "Key Auth",
    });
  });

  it("cannot call user-only procedures, whatever its scopes", async () => {
    const key = await app.seedApiKey(org.id, {
      scopes: ["read:bots", "write:bots", "run:actions", "read:analytics", "admin:org"],
    });
    const caller = app.caller(key.key);
    const calls = [
      () => caller.orgs.create({ name: "Minted by a key" }),
      () => caller.orgs.list({}),
      () => caller.apiKeys.create({ orgId: org.id, name: "child", scopes: ["admin:org"] }),
      () => caller.orgs.members.invite({ orgId: org.id, email: "x@example.test", role: "admin" }),
      () => caller.auth.switchOrg({ orgId: org.id }),
      () => caller.auth.logout({}),
    ];
    for (const call of calls) expect((await failureOf(call())).code).toBe("FORBIDDEN");
  });

  it("names the key in the audit events it causes", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"], name: "provisioning bot" });
    const caller = app.caller(key.key);
    await caller.orgs.update({ orgId: org.id, name: "Key Auth Renamed" });
    const { items } = await caller.audit.list({ orgId: org.id, action: "org.updated" });
    expect(items[0]).toMatchObject({
      actor: { type: "api_key", id: key.id, label: "provisioning bot" },
      action: "org.updated",
      diff: { before: { name: "Key Auth" }, after: { name: "Key Auth Renamed" } },
    });
    await caller.orgs.update({ orgId: org.id, name: "Key Auth" });
  });
});

describe("bot-restricted keys", () => {
  const botA = "0190a0b0-0000-7000-8000-0000000000a1";
  const botB = "0190a0b0-0000-7000-8000-0000000000b2";
  // The probe checks nothing itself: declaring `botScope: "input"` is what confines a restricted key.
  const probe = router({
    touchBot: orgProcedure("bots:read", { botScope: "input" })
      .input(z.object({ botId: z.uuid() }))
      .query(({ input }) => ({ botId: input.botId })),
  });
  const probeCaller = (token: string) =>
    createCallerFactory(probe)(
      createContext({
        runtime: app.runtime,
        request: { requestId: "probe", ip: "127.0.0.1", userAgent: null, origin: null },
        authorization: `Bearer ${token}`,
      }),
    );

  it("reach only their own bot; another bot answers NOT_FOUND", async () => {
    const restricted = await app.seedApiKey(org.id, { scopes: ["read:bots"], botId: botA });
    expect(await probeCaller(restricted.key).touchBot({ orgId: org.id, botId: botA })).toEqual({
      botId: botA,
    });
    expect(
      await failureOf(probeCaller(restricted.key).touchBot({ orgId: org.id, botId: botB })),
    ).toMatchObject({
      code: "NOT_FOUND",
      message: "Bot not found",
    });
  });

  it("leave unrestricted keys and users alone", async () => {
    const unrestricted = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    for (const token of [unrestricted.key, org.viewer.accessToken]) {
      expect(await probeCaller(token).touchBot({ orgId: org.id, botId: botB })).toEqual({ botId: botB });
    }
  });
});
