import { eq, refreshTokenFamilies, sql, users, userTokens } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditRows,
  failureOf,
  mailedToken,
  nextSignupIp,
  STRONG_PASSWORD,
  signUpVerified,
  uniqueEmail,
} from "../../auth-helpers";
import { createTestApp, type TestApp } from "../../harness";

const PUBLIC_URL = "https://kyro.example.test";
const NEW_PASSWORD = "copper-kettle-orchard-58";
const INVALID_LINK = {
  code: "BAD_REQUEST",
  message: "This link is invalid or has expired; request a new one",
  details: {
    issues: [
      {
        path: "token",
        code: "invalid_token",
        message: "This link is invalid or has expired; request a new one",
      },
    ],
  },
};

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ settings: { publicUrl: PUBLIC_URL } });
});
afterAll(async () => {
  await app?.close();
});

const anonymous = () => app.caller(null, { ip: nextSignupIp() });
const mailsTo = (email: string) => app.mailer.sent.filter((message) => message.to === email);

async function requestReset(email: string): Promise<string> {
  expect(await anonymous().auth.requestPasswordReset({ email })).toEqual({ ok: true });
  return mailedToken(app, email.trim().toLowerCase(), "reset-password");
}

function reset(token: string, newPassword = NEW_PASSWORD) {
  return anonymous().auth.resetPassword({ token, newPassword });
}

function login(email: string, password: string) {
  return anonymous().auth.login({ email, password });
}

async function sessionsOf(userId: string) {
  return app.database.db
    .select({ revokedAt: refreshTokenFamilies.revokedAt, revokedReason: refreshTokenFamilies.revokedReason })
    .from(refreshTokenFamilies)
    .where(eq(refreshTokenFamilies.userId, userId));
}

describe("auth.requestPasswordReset", () => {
  it("mails a short-lived link for a registered address and answers an unknown one the same", async () => {
    const user = await app.seedUser();
    const unknown = uniqueEmail("nobody");
    const before = Date.now();
    const answers = [
      await anonymous().auth.requestPasswordReset({ email: ` ${user.email.toUpperCase()} ` }),
      await anonymous().auth.requestPasswordReset({ email: unknown }),
    ];
    expect(answers).toEqual([{ ok: true }, { ok: true }]);
    expect(mailsTo(unknown)).toEqual([]);

    const [mail] = mailsTo(user.email);
    expect(mail?.subject).toMatch(/reset/i);
    expect(mail?.text).toContain(`${PUBLIC_URL}/console/reset-password?token=kyro_pr_`);
    const [row] = await app.database.db
      .select({ purpose: userTokens.purpose, expiresAt: userTokens.expiresAt })
      .from(userTokens)
      .where(eq(userTokens.userId, user.id));
    const ttlMs = app.deps.settings.passwordResetTtlMinutes * 60_000;
    expect(ttlMs).toBe(3_600_000);
    expect(row?.purpose).toBe("reset_password");
    expect(row?.expiresAt.getTime()).toBeGreaterThanOrEqual(before + ttlMs - 1_000);
    expect(row?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + ttlMs + 1_000);

    const audit = await auditRows(app, { action: "user.password_reset_requested", actorId: user.id });
    expect(audit).toEqual([expect.objectContaining({ orgId: null, resourceId: user.id })]);
    expect(JSON.stringify(audit[0]?.diff)).not.toContain(mailedToken(app, user.email, "reset-password"));
  });

  it("retires the earlier link when a new one is requested", async () => {
    const user = await app.seedUser();
    const first = await requestReset(user.email);
    const second = await requestReset(user.email);
    expect(await failureOf(reset(first))).toEqual(INVALID_LINK);
    expect(await reset(second)).toEqual({ ok: true });
  });
});

describe("auth.resetPassword", () => {
  it("sets the password, ends every session at once, burns the link and audits it", async () => {
    const email = uniqueEmail("reset");
    const first = await signUpVerified(app, { email });
    const second = await login(email, STRONG_PASSWORD);
    const token = await requestReset(email);

    expect(await anonymous().auth.resetPassword({ token, newPassword: NEW_PASSWORD })).toEqual({ ok: true });

    for (const session of [first, second]) {
      expect((await failureOf(app.caller(session.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
      expect((await failureOf(app.caller().auth.refresh({ refreshToken: session.refreshToken }))).code).toBe(
        "UNAUTHORIZED",
      );
    }
    expect(await sessionsOf(first.user.id)).toEqual([
      { revokedAt: expect.any(Date), revokedReason: "password_reset" },
      { revokedAt: expect.any(Date), revokedReason: "password_reset" },
    ]);
    expect((await failureOf(login(email, STRONG_PASSWORD))).code).toBe("UNAUTHORIZED");
    expect(await login(email, NEW_PASSWORD)).toHaveProperty("accessToken");
    expect(await failureOf(reset(token, "another-fresh-password-9"))).toEqual(INVALID_LINK);

    const audit = await auditRows(app, { action: "user.password_reset", actorId: first.user.id });
    expect(audit).toHaveLength(1);
    const diff = JSON.stringify(audit[0]?.diff);
    expect(diff).not.toContain(NEW_PASSWORD);
    expect(diff).not.toContain("$argon2");
    expect(diff).not.toContain(token);
  });

  it("applies the password policy, and a refused password leaves the link usable", async () => {
    const user = await app.seedUser();
    const token = await requestReset(user.email);
    const cases = [
      ["tiny", "min_length"],
      [user.email, "not_email"],
      ["basketball", "common_password"],
    ] as const;
    for (const [newPassword, rule] of cases) {
      expect(await failureOf(reset(token, newPassword))).toMatchObject({
        code: "BAD_REQUEST",
        details: { issues: [{ path: "newPassword", code: rule }] },
      });
    }
    expect(await login(user.email, user.password)).toHaveProperty("accessToken");
    expect(await reset(token)).toEqual({ ok: true });
  });

  it("refuses expired, unknown and verification links with one answer, changing nothing", async () => {
    const user = await app.seedUser();
    const expired = await requestReset(user.email);
    await app.database.db
      .update(userTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(userTokens.userId, user.id));

    const unconfirmed = uniqueEmail("wrong-purpose");
    await anonymous().auth.signup({ email: unconfirmed, password: STRONG_PASSWORD });
    const verification = mailedToken(app, unconfirmed, "verify-email");

    for (const token of [expired, verification, "kyro_pr_unknown"]) {
      expect(await failureOf(reset(token)), token).toEqual(INVALID_LINK);
    }
    expect(await login(user.email, user.password)).toHaveProperty("accessToken");
    expect(await auditRows(app, { action: "user.password_reset", actorId: user.id })).toEqual([]);
  });

  it("confirms the address of an unconfirmed account: the link proved the mailbox", async () => {
    const email = uniqueEmail("reset-unconfirmed");
    await anonymous().auth.signup({ email, password: STRONG_PASSWORD });
    const verification = mailedToken(app, email, "verify-email");
    const token = await requestReset(email);

    expect(await reset(token)).toEqual({ ok: true });

    const [row] = await app.database.db
      .select({ id: users.id, emailVerifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(eq(users.email, email));
    expect(row?.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await login(email, NEW_PASSWORD)).toHaveProperty("accessToken");
    // The earlier verification link would sign someone in: it is retired with the reset.
    expect(
      await failureOf(anonymous().auth.verifyEmail({ token: verification, password: STRONG_PASSWORD })),
    ).toEqual(INVALID_LINK);
    expect(await auditRows(app, { action: "user.email_verified", actorId: row?.id })).toEqual([
      expect.objectContaining({
        diff: expect.objectContaining({ after: expect.objectContaining({ via: "password_reset" }) }),
      }),
    ]);
  });

  it("lets exactly one of two simultaneous uses of a link through", async () => {
    const user = await app.seedUser();
    const token = await requestReset(user.email);
    const outcomes = await Promise.allSettled([
      reset(token, "first-racer-password-1"),
      reset(token, "second-racer-password-2"),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    expect(await auditRows(app, { action: "user.password_reset", actorId: user.id })).toHaveLength(1);
  });
});
