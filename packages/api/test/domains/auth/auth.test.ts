import { eq, memberships, refreshTokenFamilies, users } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVALID_CREDENTIALS } from "../../../src/domains/auth/service";
import {
  auditRows,
  failureOf,
  STRONG_PASSWORD,
  signUpVerified,
  uniqueEmail,
  userMe,
} from "../../auth-helpers";
import { createTestApp, type TestApp } from "../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

function signup(email = uniqueEmail()) {
  return signUpVerified(app, { email, name: "Jane" });
}

async function sessionRow(sessionId: string) {
  const [row] = await app.database.db
    .select({
      userId: refreshTokenFamilies.userId,
      activeOrgId: refreshTokenFamilies.activeOrgId,
      ip: refreshTokenFamilies.ip,
      userAgent: refreshTokenFamilies.userAgent,
      revokedAt: refreshTokenFamilies.revokedAt,
      revokedReason: refreshTokenFamilies.revokedReason,
    })
    .from(refreshTokenFamilies)
    .where(eq(refreshTokenFamilies.id, sessionId));
  return row;
}

async function sessionIdOf(accessToken: string): Promise<string> {
  const claims = await app.deps.accessTokens.verify(accessToken);
  if (!claims) throw new Error("access token does not verify");
  return claims.sessionId;
}

describe("auth.login", () => {
  it("signs in with the email in any case and starts a new audited session", async () => {
    const email = uniqueEmail("login");
    const created = await signup(email);
    const result = await app
      .caller(null, { ip: "198.51.100.4", userAgent: "sdk" })
      .auth.login({ email: `  ${email.toUpperCase()}`, password: STRONG_PASSWORD });

    expect(result.user).toEqual({ id: created.user.id, email, name: "Jane" });
    const sessionId = await sessionIdOf(result.accessToken);
    expect(sessionId).not.toBe(await sessionIdOf(created.accessToken));
    expect(await sessionRow(sessionId)).toMatchObject({ ip: "198.51.100.4", userAgent: "sdk" });
    expect((await userMe(app.caller(result.accessToken))).user.id).toBe(created.user.id);
    expect(await app.caller().auth.refresh({ refreshToken: result.refreshToken })).toMatchObject({
      refreshToken: expect.stringMatching(/^kyro_rt_/),
    });

    const audit = await auditRows(app, { action: "session.created", actorId: created.user.id });
    expect(audit).toEqual([
      expect.objectContaining({
        orgId: null,
        resourceType: "session",
        resourceId: sessionId,
        ip: "198.51.100.4",
      }),
    ]);
  });

  it("answers a wrong email and a wrong password with the same error", async () => {
    const email = uniqueEmail("same");
    await signup(email);
    const wrongPassword = await failureOf(
      app.caller(null, { ip: "192.0.2.1" }).auth.login({ email, password: "not-the-password-1" }),
    );
    const wrongEmail = await failureOf(
      app
        .caller(null, { ip: "192.0.2.2" })
        .auth.login({ email: uniqueEmail("ghost"), password: STRONG_PASSWORD }),
    );
    const malformedEmail = await failureOf(
      app.caller(null, { ip: "192.0.2.3" }).auth.login({ email: "nobody", password: STRONG_PASSWORD }),
    );
    expect(wrongPassword).toEqual({ code: "UNAUTHORIZED", message: INVALID_CREDENTIALS, details: null });
    expect(wrongEmail).toEqual(wrongPassword);
    expect(malformedEmail).toEqual(wrongPassword);
  });
});

describe("auth.me", () => {
  it("lists the user's orgs with roles and only those", async () => {
    const org = await app.seedOrg("Me Corp");
    await app.seedOrg("Someone Else");
    const me = await app.caller(org.agent.accessToken).auth.me();
    expect(me).toEqual({
      kind: "user",
      user: {
        id: org.agent.id,
        email: org.agent.email,
        name: expect.any(String),
        createdAt: expect.any(Date),
      },
      activeOrgId: null,
      orgs: [{ id: org.id, name: "Me Corp", slug: expect.stringMatching(/^me-corp-/), role: "agent" }],
    });
  });
});

describe("auth.logout", () => {
  it("cuts the current session's access and refresh tokens at once, and only that session", async () => {
    const email = uniqueEmail("logout");
    const first = await signup(email);
    const second = await app.caller().auth.login({ email, password: STRONG_PASSWORD });

    expect(await app.caller(first.accessToken).auth.logout({})).toEqual({ ok: true });

    expect((await failureOf(app.caller(first.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
    expect((await failureOf(app.caller().auth.refresh({ refreshToken: first.refreshToken }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect((await userMe(app.caller(second.accessToken))).user.id).toBe(first.user.id);

    const sessionId = await sessionIdOf(first.accessToken);
    expect(await sessionRow(sessionId)).toMatchObject({
      revokedAt: expect.any(Date),
      revokedReason: "logout",
    });
    const audit = await auditRows(app, { action: "session.revoked", actorId: first.user.id });
    expect(audit).toEqual([
      expect.objectContaining({
        orgId: null,
        resourceId: sessionId,
        diff: { before: null, after: { reason: "logout", revokedSessionIds: [sessionId] } },
      }),
    ]);
  });

  it("with allSessions ends every session of the user", async () => {
    const email = uniqueEmail("logout-all");
    const first = await signup(email);
    const second = await app.caller().auth.login({ email, password: STRONG_PASSWORD });
    const bystander = await signup();

    await app.caller(second.accessToken).auth.logout({ allSessions: true });

    for (const session of [first, second]) {
      expect((await failureOf(app.caller(session.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
      expect((await failureOf(app.caller().auth.refresh({ refreshToken: session.refreshToken }))).code).toBe(
        "UNAUTHORIZED",
      );
    }
    expect((await userMe(app.caller(bystander.accessToken))).user.id).toBe(bystander.user.id);
  });
});

describe("auth.changePassword", () => {
  const NEW_PASSWORD = "quartz-meadow-lantern-42";

  it("rejects a wrong current password and changes nothing", async () => {
    const email = uniqueEmail("wrong-current");
    const session = await signup(email);
    const failure = await failureOf(
      app
        .caller(session.accessToken)
        .auth.changePassword({ currentPassword: "not-it-at-all", newPassword: NEW_PASSWORD }),
    );
    expect(failure).toMatchObject({ code: "BAD_REQUEST", message: "Current password is incorrect" });
    expect(await app.caller().auth.login({ email, password: STRONG_PASSWORD })).toMatchObject({
      user: { email },
    });
    expect(await auditRows(app, { action: "user.password_changed", actorId: session.user.id })).toEqual([]);
  });

  it("applies the policy to the new password", async () => {
    const email = uniqueEmail("policy");
    const session = await signup(email);
    const cases = [
      ["tiny", "min_length"],
      [email, "not_email"],
      ["basketball", "common_password"],
    ] as const;
    for (const [newPassword, rule] of cases) {
      const failure = await failureOf(
        app
          .caller(session.accessToken)
          .auth.changePassword({ currentPassword: STRONG_PASSWORD, newPassword }),
      );
      expect(failure).toMatchObject({
        code: "BAD_REQUEST",
        details: { issues: [{ path: "newPassword", code: rule }] },
      });
    }
    expect(await app.caller().auth.login({ email, password: STRONG_PASSWORD })).toMatchObject({
      user: { email },
    });
  });

  it("changes the password, revokes the other sessions and keeps the current one", async () => {
    const email = uniqueEmail("change");
    const current = await signup(email);
    const other = await app.caller().auth.login({ email, password: STRONG_PASSWORD });
    const [before] = await app.database.db
      .select({ passwordHash: users.passwordHash, passwordChangedAt: users.passwordChangedAt })
      .from(users)
      .where(eq(users.id, current.user.id));

    expect(
      await app
        .caller(current.accessToken)
        .auth.changePassword({ currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD }),
    ).toEqual({ ok: true });

    expect((await userMe(app.caller(current.accessToken))).user.id).toBe(current.user.id);
    expect(await app.caller().auth.refresh({ refreshToken: current.refreshToken })).toHaveProperty(
      "accessToken",
    );
    expect((await failureOf(app.caller(other.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
    expect((await failureOf(app.caller().auth.refresh({ refreshToken: other.refreshToken }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect(await sessionRow(await sessionIdOf(other.accessToken))).toMatchObject({
      revokedReason: "password_changed",
    });

    expect((await failureOf(app.caller().auth.login({ email, password: STRONG_PASSWORD }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect(await app.caller().auth.login({ email, password: NEW_PASSWORD })).toMatchObject({
      user: { email },
    });

    const [after] = await app.database.db
      .select({ passwordHash: users.passwordHash, passwordChangedAt: users.passwordChangedAt })
      .from(users)
      .where(eq(users.id, current.user.id));
    expect(after?.passwordHash).not.toBe(before?.passwordHash);
    expect(after?.passwordChangedAt.getTime()).toBeGreaterThanOrEqual(
      before?.passwordChangedAt.getTime() ?? 0,
    );

    const audit = await auditRows(app, { action: "user.password_changed", actorId: current.user.id });
    expect(audit).toEqual([
      expect.objectContaining({ orgId: null, resourceType: "user", resourceId: current.user.id }),
    ]);
    const diff = JSON.stringify(audit[0]?.diff);
    expect(diff).toContain(await sessionIdOf(other.accessToken));
    expect(diff).not.toContain("$argon2");
    expect(diff).not.toContain(NEW_PASSWORD);
  });
});

describe("auth.switchOrg", () => {
  it("switches a member's session to the org and rotates its refresh token", async () => {
    const org = await app.seedOrg("Switch Co");
    const email = uniqueEmail("switch");
    const session = await signup(email);
    await app.database.db
      .insert(memberships)
      .values({ orgId: org.id, userId: session.user.id, role: "viewer" });

    const switched = await app
      .caller(session.accessToken, { requestId: "req-switch" })
      .auth.switchOrg({ orgId: org.id });
    expect(switched).toMatchObject({ activeOrgId: org.id, refreshToken: expect.stringMatching(/^kyro_rt_/) });
    const claims = await app.deps.accessTokens.verify(switched.accessToken);
    expect(claims).toMatchObject({ userId: session.user.id, activeOrgId: org.id });
    expect(claims?.sessionId).toBe(await sessionIdOf(session.accessToken));
    expect((await userMe(app.caller(switched.accessToken))).activeOrgId).toBe(org.id);

    const refreshed = await app.caller().auth.refresh({ refreshToken: switched.refreshToken });
    expect(await app.deps.accessTokens.verify(refreshed.accessToken)).toMatchObject({ activeOrgId: org.id });

    const audit = await auditRows(app, { action: "session.org_switched", actorId: session.user.id });
    expect(audit).toEqual([
      expect.objectContaining({
        orgId: org.id,
        resourceType: "session",
        requestId: "req-switch",
        diff: { before: { activeOrgId: null }, after: { activeOrgId: org.id } },
      }),
    ]);

    // The pre-switch refresh token was retired by the switch; showing it again is reuse.
    expect((await failureOf(app.caller().auth.refresh({ refreshToken: session.refreshToken }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect((await failureOf(app.caller(refreshed.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
  });

  it("answers NOT_FOUND for an org the caller does not belong to, or that does not exist", async () => {
    const org = await app.seedOrg("Mine");
    const foreign = await app.seedOrg("Theirs");
    for (const orgId of [foreign.id, "01890000-0000-7000-8000-000000000000"]) {
      const failure = await failureOf(app.caller(org.owner.accessToken).auth.switchOrg({ orgId }));
      expect(failure.code).toBe("NOT_FOUND");
    }
    expect((await userMe(app.caller(org.owner.accessToken))).activeOrgId).toBeNull();
    expect(await auditRows(app, { action: "session.org_switched", actorId: org.owner.id })).toEqual([]);
  });
});

describe("unauthenticated callers", () => {
  it("get UNAUTHORIZED from every signed-in procedure, with no token or a bad one", async () => {
    const org = await app.seedOrg("Anon");
    for (const token of [null, "not-a-jwt"]) {
      const caller = app.caller(token);
      const calls = [
        caller.auth.me(),
        caller.auth.logout({}),
        caller.auth.changePassword({
          currentPassword: STRONG_PASSWORD,
          newPassword: "quartz-meadow-lantern-42",
        }),
        caller.auth.switchOrg({ orgId: org.id }),
      ];
      for (const call of calls) expect((await failureOf(call)).code).toBe("UNAUTHORIZED");
    }
  });
});
