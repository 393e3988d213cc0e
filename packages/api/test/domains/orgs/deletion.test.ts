import {
  apiKeys,
  auditEvents,
  bots,
  eq,
  memberships,
  organizations,
  refreshTokenFamilies,
  users,
} from "@kyro/db";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditRows, failureOf } from "../../auth-helpers";
import { createTestApp, TEST_PASSWORD, type TestApp } from "../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

const withRedis = Boolean(inject("redisUrl"));
const UNKNOWN_ORG = "0190f0f0-0000-7000-8000-000000000000";

async function orgExists(orgId: string): Promise<boolean> {
  const rows = await app.database.db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, orgId));
  return rows.length === 1;
}

describe("orgs.delete", () => {
  it("deletes the org and everything it owns; its keys and widgets are refused at once", async () => {
    const target = await app.seedOrg("Doomed Co");
    const key = await app.seedApiKey(target.id, { scopes: ["read:bots"] });
    const owner = app.caller(target.owner.accessToken, { requestId: "req-org-delete" });
    const { bot } = await owner.bots.create({ orgId: target.id, name: "Front desk", config: {} });
    await owner.widget.setOrgDefaults({
      orgId: target.id,
      settings: { allowedDomains: ["shop.example.com"] },
    });
    const visitor = app.caller(null, { origin: "https://shop.example.com" }).widget;
    const session = await visitor.sessions.create({ botId: bot.id });
    const visitorWithToken = app.caller(session.token, { origin: "https://shop.example.com" }).widget;
    // Warm every cache the deletion has to drop.
    await app.caller(key.key).bots.list({ orgId: target.id });
    await visitorWithToken.messages.list({ conversationId: session.conversationId });

    expect(await owner.orgs.delete({ orgId: target.id, confirmName: "Doomed Co" })).toEqual({ ok: true });

    expect(await orgExists(target.id)).toBe(false);
    const db = app.database.db;
    expect(await db.select().from(bots).where(eq(bots.orgId, target.id))).toEqual([]);
    expect(await db.select().from(apiKeys).where(eq(apiKeys.orgId, target.id))).toEqual([]);
    expect(await db.select().from(memberships).where(eq(memberships.orgId, target.id))).toEqual([]);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.orgId, target.id))).toEqual([]);
    expect((await failureOf(app.caller(key.key).bots.list({ orgId: target.id }))).code).toBe("UNAUTHORIZED");
    expect(
      (await failureOf(visitorWithToken.messages.list({ conversationId: session.conversationId }))).code,
    ).toBe("NOT_FOUND");
    expect((await failureOf(visitor.sessions.create({ botId: bot.id }))).code).toBe("NOT_FOUND");
    // The members keep their accounts; the org is simply gone for them.
    expect((await failureOf(owner.orgs.get({ orgId: target.id }))).code).toBe("NOT_FOUND");
    await app.caller(target.admin.accessToken).auth.me();
    const activeOrgs = await db
      .select({ activeOrgId: refreshTokenFamilies.activeOrgId })
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.userId, target.owner.id));
    expect(activeOrgs.every((row) => row.activeOrgId !== target.id)).toBe(true);

    const [audit] = await auditRows(app, { action: "org.deleted", actorId: target.owner.id });
    expect(audit).toMatchObject({
      orgId: null,
      resourceType: "organization",
      resourceId: target.id,
      requestId: "req-org-delete",
      diff: { before: { name: "Doomed Co", revokedKeys: 1 }, after: null },
    });
  });

  it.runIf(withRedis)("reaches another process's cached API keys at once (Redis)", async () => {
    const target = await app.seedOrg("Deleted elsewhere");
    const key = await app.seedApiKey(target.id, { scopes: ["read:bots"] });
    const peer = await app.peer();
    try {
      await peer.caller(key.key).bots.list({ orgId: target.id });
      await app
        .caller(target.owner.accessToken)
        .orgs.delete({ orgId: target.id, confirmName: "Deleted elsewhere" });
      // The message travels over pub/sub; the first answer after it arrives must be the refusal.
      await expect
        .poll(
          () =>
            peer
              .caller(key.key)
              .bots.list({ orgId: target.id })
              .then(
                () => "answered",
                (error: { code?: string }) => error.code,
              ),
          { timeout: 2_000 },
        )
        .toBe("UNAUTHORIZED");
    } finally {
      await peer.close();
    }
  });

  it("refuses a wrong name with 400 and changes nothing", async () => {
    const target = await app.seedOrg("Exact Name");
    const failure = await failureOf(
      app.caller(target.owner.accessToken).orgs.delete({ orgId: target.id, confirmName: "exact name" }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    expect(await orgExists(target.id)).toBe(true);
    expect(await auditRows(app, { action: "org.deleted", actorId: target.owner.id })).toEqual([]);
  });

  it("is the owner's alone: admins get 403, API keys (any scope) 403, other orgs 404, anonymous 401", async () => {
    const target = await app.seedOrg("Guarded");
    const other = await app.seedOrg("Elsewhere");
    const input = { orgId: target.id, confirmName: "Guarded" };
    for (const user of [target.admin, target.agent, target.viewer]) {
      expect((await failureOf(app.caller(user.accessToken).orgs.delete(input))).code).toBe("FORBIDDEN");
    }
    const key = await app.seedApiKey(target.id, { scopes: ["admin:org"] });
    expect((await failureOf(app.caller(key.key).orgs.delete(input))).code).toBe("FORBIDDEN");
    expect((await failureOf(app.caller(other.owner.accessToken).orgs.delete(input))).code).toBe("NOT_FOUND");
    expect(
      (await failureOf(app.caller(target.owner.accessToken).orgs.delete({ ...input, orgId: UNKNOWN_ORG })))
        .code,
    ).toBe("NOT_FOUND");
    expect((await failureOf(app.caller().orgs.delete(input))).code).toBe("UNAUTHORIZED");
    expect(await orgExists(target.id)).toBe(true);
  });
});

describe("auth.deleteAccount", () => {
  it("deletes the user, their memberships and sessions, and audits it org-less", async () => {
    const org = await app.seedOrg("Shared Ownership");
    const coOwner = await app.seedUser({ orgId: org.id, role: "owner" });
    const caller = app.caller(coOwner.accessToken, { requestId: "req-account-delete" });
    expect(await caller.auth.deleteAccount({ password: TEST_PASSWORD })).toEqual({ ok: true });

    const db = app.database.db;
    expect(await db.select().from(users).where(eq(users.id, coOwner.id))).toEqual([]);
    expect(await db.select().from(memberships).where(eq(memberships.userId, coOwner.id))).toEqual([]);
    expect(
      await db.select().from(refreshTokenFamilies).where(eq(refreshTokenFamilies.userId, coOwner.id)),
    ).toEqual([]);
    expect((await failureOf(caller.auth.me())).code).toBe("UNAUTHORIZED");
    const login = app.caller().auth.login({ email: coOwner.email, password: TEST_PASSWORD });
    expect((await failureOf(login)).code).toBe("UNAUTHORIZED");

    const [audit] = await auditRows(app, { action: "user.deleted", actorId: coOwner.id });
    expect(audit).toMatchObject({
      orgId: null,
      resourceType: "user",
      resourceId: coOwner.id,
      requestId: "req-account-delete",
      diff: { before: { email: coOwner.email, memberships: 1 }, after: null },
    });
    expect(await orgExists(org.id)).toBe(true);
  });

  it("refuses a wrong password and keeps the account", async () => {
    const user = await app.seedUser();
    const failure = await failureOf(
      app.caller(user.accessToken).auth.deleteAccount({ password: "wrong-password-1" }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    await app.caller(user.accessToken).auth.me();
  });

  it("refuses a sole owner with 409 sole_owner naming the orgs", async () => {
    const org = await app.seedOrg("Only Mine");
    const failure = await failureOf(
      app.caller(org.owner.accessToken).auth.deleteAccount({ password: TEST_PASSWORD }),
    );
    expect(failure.code).toBe("CONFLICT");
    expect(failure.details).toMatchObject({ reason: "sole_owner" });
    expect(failure.message).toContain("Only Mine");
    await app.caller(org.owner.accessToken).auth.me();
  });

  it("refuses anonymous callers", async () => {
    const failure = await failureOf(app.caller().auth.deleteAccount({ password: TEST_PASSWORD }));
    expect(failure.code).toBe("UNAUTHORIZED");
  });
});
