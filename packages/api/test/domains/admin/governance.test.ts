import { and, domainEvents, eq, users } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditRows, failureOf, mailedToken, uniqueEmail } from "../../auth-helpers";
import { createTestApp, type SeededOrg, TEST_PASSWORD, type TestApp } from "../../harness";

const OPERATOR = "operator@example.test";
const withRedis = Boolean(inject("redisUrl"));

let app: TestApp;
let org: SeededOrg;
let operatorId: string;
let operatorToken: string;

beforeAll(async () => {
  app = await createTestApp({ settings: { platformAdmins: [OPERATOR] } });
  const operator = await app.seedUser({ email: OPERATOR });
  operatorId = operator.id;
  operatorToken = operator.accessToken;
  org = await app.seedOrg("Governed");
});
afterAll(async () => {
  await app?.close();
});

const admin = () => app.caller(operatorToken).admin;
const signIn = (email: string) => app.caller().auth.login({ email, password: TEST_PASSWORD });

describe("admin.users: list and get", () => {
  it("finds users by email, status and last sign-in, newest first, paged", async () => {
    const marker = `gov${Date.now()}`;
    const first = await app.seedUser({ email: `${marker}-a@example.test` });
    const second = await app.seedUser({ email: `${marker}-b@example.test`, verified: false });
    const page = await admin().users.list({ search: marker.toUpperCase(), limit: 1 });
    expect(page.items.map((user) => user.id)).toEqual([second.id]);
    expect(page.items[0]?.status).toBe("unverified");
    const next = await admin().users.list({ search: marker, limit: 1, cursor: page.nextCursor ?? "" });
    expect(next.items.map((user) => user.id)).toEqual([first.id]);
    expect(next.nextCursor).toBeNull();

    const unverified = await admin().users.list({ search: marker, status: "unverified" });
    expect(unverified.items.map((user) => user.id)).toEqual([second.id]);

    const before = new Date();
    await signIn(first.email);
    const [row] = await app.database.db
      .select({ lastLoginAt: users.lastLoginAt })
      .from(users)
      .where(eq(users.id, first.id));
    expect(row?.lastLoginAt?.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    const recent = await admin().users.list({ search: marker, lastLoginAfter: before.toISOString() });
    expect(recent.items.map((user) => user.id)).toEqual([first.id]);
    const stale = await admin().users.list({ search: marker, lastLoginBefore: before });
    expect(stale.items.map((user) => user.id)).toEqual([second.id]);
  });

  it("gets one user with memberships and live sessions; an unknown id is 404", async () => {
    const { user } = await admin().users.get({ userId: org.agent.id });
    expect(user).toMatchObject({ id: org.agent.id, status: "active", activeSessions: 1 });
    expect(user.memberships).toEqual([{ orgId: org.id, orgName: org.name, role: "agent" }]);
    const failure = await failureOf(admin().users.get({ userId: "0190c5d6-0000-7000-8000-000000000000" }));
    expect(failure).toMatchObject({ code: "NOT_FOUND", details: { resource: "User" } });
  });

  it("answers NOT_FOUND to anyone but an operator, API keys included", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    for (const token of [org.owner.accessToken, key.key]) {
      const failure = await failureOf(app.caller(token).admin.users.list({}));
      expect(failure.code).toBe("NOT_FOUND");
    }
    expect((await failureOf(app.caller().admin.users.list({}))).code).toBe("UNAUTHORIZED");
  });
});

describe("admin.users: disable and enable", () => {
  it("ends the user's sessions at once, refuses sign-in and refresh, and is audited", async () => {
    const target = await app.seedUser({ email: uniqueEmail("disable"), orgId: org.id, role: "agent" });
    const session = await signIn(target.email);
    await app.caller(target.accessToken).auth.me();

    const { user } = await admin().users.disable({ userId: target.id, reason: "abuse report" });
    expect(user).toMatchObject({ status: "disabled", disabledReason: "abuse report" });

    // The very next request with either access token is refused.
    for (const token of [target.accessToken, session.accessToken]) {
      expect((await failureOf(app.caller(token).auth.me())).code).toBe("UNAUTHORIZED");
      const orgCall = failureOf(app.caller(token).bots.list({ orgId: org.id }));
      expect((await orgCall).code).toBe("UNAUTHORIZED");
    }
    const refresh = await failureOf(app.caller().auth.refresh({ refreshToken: session.refreshToken }));
    expect(refresh.code).toBe("UNAUTHORIZED");
    const login = await failureOf(signIn(target.email));
    expect(login).toMatchObject({ code: "FORBIDDEN", details: { reason: "account_disabled" } });

    const [audit] = await auditRows(app, { action: "user.disabled", actorId: operatorId });
    expect(audit).toMatchObject({ orgId: null, resourceId: target.id, actorLabel: OPERATOR });
    expect(audit?.diff?.after).toMatchObject({ reason: "abuse report", revokedSessions: 2 });

    expect((await failureOf(admin().users.disable({ userId: target.id }))).details).toEqual({
      reason: "already_disabled",
    });
    const enabled = await admin().users.enable({ userId: target.id });
    expect(enabled.user).toMatchObject({ status: "active", disabledAt: null, disabledReason: null });
    // Ended sessions stay ended; a new sign-in works.
    expect((await failureOf(app.caller(target.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
    const again = await signIn(target.email);
    await app.caller(again.accessToken).bots.list({ orgId: org.id });
    expect(await auditRows(app, { action: "user.enabled", actorId: operatorId })).toHaveLength(1);
    expect((await failureOf(admin().users.enable({ userId: target.id }))).details).toEqual({
      reason: "not_disabled",
    });
  });

  it("refuses to disable the operator's own account and changes nothing on a bad input", async () => {
    expect((await failureOf(admin().users.disable({ userId: operatorId }))).details).toEqual({
      reason: "self",
    });
    const bad = await failureOf(admin().users.disable({ userId: org.viewer.id, reason: "a\u0000b" }));
    expect(bad.code).toBe("BAD_REQUEST");
    const { user } = await admin().users.get({ userId: org.viewer.id });
    expect(user.status).toBe("active");
  });
});

describe("admin.users: revokeSessions and forcePasswordReset", () => {
  it("revokeSessions ends every session and leaves sign-in open", async () => {
    const target = await app.seedUser({ email: uniqueEmail("revoke") });
    await signIn(target.email);
    const result = await admin().users.revokeSessions({ userId: target.id });
    expect(result.revokedSessions).toBe(2);
    expect((await failureOf(app.caller(target.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
    await signIn(target.email);
    expect(await auditRows(app, { action: "user.sessions_revoked", actorId: operatorId })).toHaveLength(1);
  });

  it("forcePasswordReset ends sessions and mails the reset link, which works", async () => {
    const target = await app.seedUser({ email: uniqueEmail("reset") });
    await admin().users.forcePasswordReset({ userId: target.id });
    expect((await failureOf(app.caller(target.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
    await expect.poll(() => app.mailer.sent.some((mail) => mail.to === target.email)).toBe(true);
    const token = mailedToken(app, target.email, "reset-password");
    await app.caller().auth.resetPassword({ token, newPassword: "fresh-orchid-lantern-77" });
    await app.caller().auth.login({ email: target.email, password: "fresh-orchid-lantern-77" });
    const [audit] = await auditRows(app, { action: "user.password_reset_forced", actorId: operatorId });
    expect(audit).toMatchObject({ resourceId: target.id });
    expect(JSON.stringify(audit?.diff)).not.toContain(token);
  });
});

describe("admin.orgs: suspend and reinstate", () => {
  it("refuses the org's members, API keys and widgets from the next request on, until reinstated", async () => {
    const target = await app.seedOrg("Suspended");
    const key = await app.seedApiKey(target.id, { scopes: ["read:bots"] });
    const owner = app.caller(target.owner.accessToken);
    const { bot } = await owner.bots.create({ orgId: target.id, name: "Front desk", config: {} });
    const visitor = app.caller(null, { origin: "https://shop.example.com" }).widget;
    await owner.widget.setOrgDefaults({
      orgId: target.id,
      settings: { allowedDomains: ["shop.example.com"] },
    });
    const session = await visitor.sessions.create({ botId: bot.id });
    const visitorWithToken = app.caller(session.token, { origin: "https://shop.example.com" }).widget;
    // Warm every cache the suspension has to drop.
    await app.caller(key.key).bots.list({ orgId: target.id });
    await visitorWithToken.messages.list({ conversationId: session.conversationId });

    const { org: suspended } = await admin().orgs.suspend({ orgId: target.id, reason: "unpaid" });
    expect(suspended).toMatchObject({ id: target.id, suspendedReason: "unpaid" });

    const refused = { code: "FORBIDDEN", details: { reason: "org_suspended" } };
    expect(await failureOf(owner.bots.list({ orgId: target.id }))).toMatchObject(refused);
    expect(await failureOf(app.caller(key.key).bots.list({ orgId: target.id }))).toMatchObject(refused);
    expect(
      await failureOf(visitorWithToken.messages.list({ conversationId: session.conversationId })),
    ).toMatchObject(refused);
    expect(await failureOf(visitor.sessions.create({ botId: bot.id }))).toMatchObject(refused);
    // Other orgs are untouched, and the member can still use their account.
    await app.caller(org.owner.accessToken).bots.list({ orgId: org.id });
    await owner.auth.me();

    const [audit] = await auditRows(app, { action: "org.suspended", actorId: operatorId });
    expect(audit).toMatchObject({ orgId: target.id, resourceId: target.id });
    const events = await app.database.db
      .select({ type: domainEvents.type, data: domainEvents.data })
      .from(domainEvents)
      .where(and(eq(domainEvents.orgId, target.id), eq(domainEvents.type, "org.suspended")));
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ orgId: target.id, reason: "unpaid" });

    expect((await failureOf(admin().orgs.suspend({ orgId: target.id }))).details).toEqual({
      reason: "already_suspended",
    });
    await admin().orgs.reinstate({ orgId: target.id });
    await owner.bots.list({ orgId: target.id });
    await app.caller(key.key).bots.list({ orgId: target.id });
    await visitorWithToken.messages.list({ conversationId: session.conversationId });
    expect(await auditRows(app, { action: "org.reinstated", actorId: operatorId })).toHaveLength(1);
    expect((await failureOf(admin().orgs.reinstate({ orgId: target.id }))).details).toEqual({
      reason: "not_suspended",
    });
  });

  it.runIf(withRedis)("reaches another process's cached API keys and widgets at once (Redis)", async () => {
    const target = await app.seedOrg("Suspended elsewhere");
    const key = await app.seedApiKey(target.id, { scopes: ["read:bots"] });
    const peer = await app.peer();
    try {
      await peer.caller(key.key).bots.list({ orgId: target.id });
      await admin().orgs.suspend({ orgId: target.id });
      // The message travels over pub/sub; the first answer after it arrives must be the refusal.
      await expect
        .poll(
          () =>
            peer
              .caller(key.key)
              .bots.list({ orgId: target.id })
              .then(
                () => "answered",
                (error: { cause?: unknown; message: string }) => error.message,
              ),
          { timeout: 2_000 },
        )
        .toMatch(/suspended/);
    } finally {
      await peer.close();
    }
  });

  it("answers 404 for an unknown org", async () => {
    const failure = await failureOf(admin().orgs.suspend({ orgId: "0190c5d6-0000-7000-8000-000000000000" }));
    expect(failure).toMatchObject({ code: "NOT_FOUND", details: { resource: "Organization" } });
  });
});
