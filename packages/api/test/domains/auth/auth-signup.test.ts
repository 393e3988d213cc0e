import { eq, refreshTokenFamilies, refreshTokens, sql, users, userTokens } from "@kyro/db";
import { hmacSha256 } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVALID_CREDENTIALS } from "../../../src/domains/auth/service";
import {
  auditRows,
  failureOf,
  mailedToken,
  nextSignupIp,
  STRONG_PASSWORD,
  signUpVerified,
  uniqueEmail,
  userMe,
} from "../../auth-helpers";
import { createTestApp, type TestApp } from "../../harness";

const PUBLIC_URL = "https://kyro.example.test";
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

/** Each call from its own IP, so the per-IP mail limit stays out of these tests. */
const anonymous = () => app.caller(null, { ip: nextSignupIp() });

function signup(email: string, password = STRONG_PASSWORD) {
  return anonymous().auth.signup({ email, password, name: "Jane" });
}

async function userRow(email: string) {
  const [row] = await app.database.db
    .select({
      id: users.id,
      passwordHash: users.passwordHash,
      emailVerifiedAt: users.emailVerifiedAt,
    })
    .from(users)
    .where(eq(users.email, email));
  return row;
}

async function tokensOf(userId: string) {
  return app.database.db
    .select({
      purpose: userTokens.purpose,
      tokenHash: userTokens.tokenHash,
      email: userTokens.email,
      expiresAt: userTokens.expiresAt,
      usedAt: userTokens.usedAt,
    })
    .from(userTokens)
    .where(eq(userTokens.userId, userId));
}

const mailsTo = (email: string) => app.mailer.sent.filter((message) => message.to === email);

describe("auth.signup", () => {
  it("creates an unconfirmed account, mails a single-use link and issues no session", async () => {
    const before = Date.now();
    const result = await app
      .caller(null, { ip: "203.0.113.7", userAgent: "console/1.0", requestId: "req-signup" })
      .auth.signup({ email: "  New.Person@Example.TEST ", password: STRONG_PASSWORD, name: " Jane " });
    const email = "new.person@example.test";
    expect(result).toEqual({ verificationRequired: true, email });

    const user = await userRow(email);
    expect(user).toMatchObject({
      emailVerifiedAt: null,
      passwordHash: expect.stringMatching(/^\$argon2id\$/),
    });
    const sessions = await app.database.db
      .select({ id: refreshTokenFamilies.id })
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.userId, user?.id ?? ""));
    expect(sessions).toEqual([]);

    const [mail] = mailsTo(email);
    expect(mail?.subject).toMatch(/confirm/i);
    expect(mail?.text).toContain(`${PUBLIC_URL}/console/verify-email?token=kyro_ev_`);
    const token = mailedToken(app, email, "verify-email");
    const stored = await tokensOf(user?.id ?? "");
    expect(stored).toEqual([
      {
        purpose: "verify_email",
        tokenHash: hmacSha256(app.deps.hmacKeys.userToken, token),
        email,
        expiresAt: expect.any(Date),
        usedAt: null,
      },
    ]);
    const ttlMs = app.deps.settings.emailVerificationTtlHours * 3_600_000;
    expect(stored[0]?.expiresAt.getTime()).toBeGreaterThanOrEqual(before + ttlMs - 1_000);
    expect(stored[0]?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + ttlMs + 1_000);

    const audit = await auditRows(app, { action: "user.signed_up", actorId: user?.id });
    expect(audit).toEqual([
      expect.objectContaining({
        orgId: null,
        actorType: "user",
        actorLabel: email,
        resourceType: "user",
        resourceId: user?.id,
        requestId: "req-signup",
        ip: "203.0.113.7",
      }),
    ]);
    const diff = JSON.stringify(audit[0]?.diff);
    expect(diff).not.toContain(STRONG_PASSWORD);
    expect(diff).not.toContain(token);
  });

  it("answers a registered address exactly as a new one, creates nothing and tells the owner", async () => {
    const owner = await app.seedUser({ email: uniqueEmail("owner") });
    const unconfirmed = uniqueEmail("unconfirmed");
    await signup(unconfirmed);
    const [ownerBefore, unconfirmedBefore] = [await userRow(owner.email), await userRow(unconfirmed)];
    const mailsBefore = app.mailer.sent.length;

    const fresh = uniqueEmail("fresh");
    const answers = {
      fresh: await signup(fresh, "another-long-secret-77"),
      registered: await signup(` ${owner.email.toUpperCase()} `, "another-long-secret-77"),
      unconfirmed: await signup(unconfirmed.toUpperCase(), "another-long-secret-77"),
    };
    expect(answers).toEqual({
      fresh: { verificationRequired: true, email: fresh },
      registered: { verificationRequired: true, email: owner.email },
      unconfirmed: { verificationRequired: true, email: unconfirmed },
    });

    // Neither existing account changed: same row, same password, no new link.
    for (const [email, before] of [
      [owner.email, ownerBefore],
      [unconfirmed, unconfirmedBefore],
    ] as const) {
      expect(await userRow(email)).toEqual(before);
      const rows = await app.database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
      expect(rows).toHaveLength(1);
    }
    expect(await tokensOf(ownerBefore?.id ?? "")).toEqual([]);
    expect((await tokensOf(unconfirmedBefore?.id ?? "")).filter((t) => t.usedAt === null)).toHaveLength(1);
    expect(await app.caller().auth.login({ email: owner.email, password: owner.password })).toHaveProperty(
      "accessToken",
    );

    // One mail each: a link for the new address, a notice (no link, no token) for the others.
    const sent = app.mailer.sent.slice(mailsBefore);
    expect(sent.map((message) => message.to).sort()).toEqual([fresh, owner.email, unconfirmed].sort());
    for (const email of [owner.email, unconfirmed]) {
      const notice = sent.find((message) => message.to === email);
      expect(notice?.subject).toMatch(/tried to sign up/);
      expect(notice?.text).toContain(`${PUBLIC_URL}/console/reset-password`);
      expect(notice?.text).not.toMatch(/token=|kyro_/);
    }
  });

  it("answers two simultaneous sign-ups of one new address alike and creates one account", async () => {
    const email = uniqueEmail("race");
    const answers = await Promise.all([signup(email), signup(email)]);
    expect(answers).toEqual([
      { verificationRequired: true, email },
      { verificationRequired: true, email },
    ]);
    const rows = await app.database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
    expect(rows).toHaveLength(1);
  });

  it("applies every password rule and creates no user on failure", async () => {
    const email = uniqueEmail("weak");
    const cases = [
      ["short-pw", "min_length"],
      ["z9".repeat(129), "max_length"],
      [email.toUpperCase(), "not_email"],
      [email.slice(0, email.indexOf("@")), "not_email"],
      ["Password123", "common_password"],
    ] as const;
    for (const [password, rule] of cases) {
      const failure = await failureOf(signup(email, password));
      expect(failure, password).toMatchObject({
        code: "BAD_REQUEST",
        details: { issues: [{ path: "password", code: rule }] },
      });
    }
    expect(await userRow(email)).toBeUndefined();
    expect(mailsTo(email)).toEqual([]);
  });

  it("rejects a malformed email", async () => {
    expect((await failureOf(signup("not-an-email"))).code).toBe("BAD_REQUEST");
  });
});

describe("auth.login before the address is confirmed", () => {
  it("refuses with the very answer a wrong password or an unknown address gets", async () => {
    const email = uniqueEmail("early");
    await signup(email);
    const known = await app.seedUser();
    const attempt = (login: { email: string; password: string }) =>
      failureOf(app.caller(null, { ip: nextSignupIp() }).auth.login(login));

    const unconfirmed = await attempt({ email, password: STRONG_PASSWORD });
    expect(unconfirmed).toEqual({ code: "UNAUTHORIZED", message: INVALID_CREDENTIALS, details: null });
    expect(await attempt({ email: known.email, password: "not-the-password-1" })).toEqual(unconfirmed);
    expect(await attempt({ email: uniqueEmail("ghost"), password: STRONG_PASSWORD })).toEqual(unconfirmed);
  });
});

describe("auth.verifyEmail", () => {
  it("confirms the address, signs the user in with a new session, and audits it", async () => {
    const email = uniqueEmail("verify");
    await signup(email);
    const token = mailedToken(app, email, "verify-email");
    const session = await app
      .caller(null, { ip: "203.0.113.9", requestId: "req-verify" })
      .auth.verifyEmail({ token, password: STRONG_PASSWORD });

    expect(session).toMatchObject({
      user: { id: expect.any(String), email, name: "Jane" },
      refreshToken: expect.stringMatching(/^kyro_rt_/),
    });
    expect((await userMe(app.caller(session.accessToken))).user.email).toBe(email);
    expect(await app.caller().auth.refresh({ refreshToken: session.refreshToken })).toHaveProperty(
      "accessToken",
    );
    const stored = await app.database.db
      .select({ tokenHash: refreshTokens.tokenHash })
      .from(refreshTokens)
      .innerJoin(refreshTokenFamilies, eq(refreshTokenFamilies.id, refreshTokens.familyId))
      .where(eq(refreshTokenFamilies.userId, session.user.id));
    expect(stored).toContainEqual({
      tokenHash: hmacSha256(app.deps.hmacKeys.refreshToken, session.refreshToken),
    });

    expect((await userRow(email))?.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await tokensOf(session.user.id)).map((row) => row.usedAt)).toEqual([expect.any(Date)]);
    expect(await app.caller().auth.login({ email, password: STRONG_PASSWORD })).toHaveProperty("accessToken");

    const audit = await auditRows(app, { action: "user.email_verified", actorId: session.user.id });
    expect(audit).toEqual([
      expect.objectContaining({ orgId: null, resourceId: session.user.id, requestId: "req-verify" }),
    ]);
    expect(JSON.stringify(audit[0]?.diff)).not.toContain(token);
  });

  it("refuses used, expired, superseded, unknown and wrong-purpose links with one answer", async () => {
    const used = uniqueEmail("used");
    await signUpVerified(app, { email: used });
    const usedToken = mailedToken(app, used, "verify-email");

    const expired = uniqueEmail("expired");
    await signup(expired);
    const expiredToken = mailedToken(app, expired, "verify-email");
    const expiredUser = await userRow(expired);
    await app.database.db
      .update(userTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(userTokens.userId, expiredUser?.id ?? ""));

    const superseded = uniqueEmail("superseded");
    await signup(superseded);
    const firstToken = mailedToken(app, superseded, "verify-email");
    await anonymous().auth.resendVerification({ email: superseded });
    const newestToken = mailedToken(app, superseded, "verify-email");
    expect(newestToken).not.toBe(firstToken);

    const resetFor = uniqueEmail("reset-purpose");
    await signup(resetFor);
    await anonymous().auth.requestPasswordReset({ email: resetFor });
    const resetToken = mailedToken(app, resetFor, "reset-password");

    for (const token of [usedToken, expiredToken, firstToken, resetToken, "kyro_ev_not-a-real-token", "x"]) {
      expect(
        await failureOf(anonymous().auth.verifyEmail({ token, password: STRONG_PASSWORD })),
        token,
      ).toEqual(INVALID_LINK);
    }
    expect((await userRow(expired))?.emailVerifiedAt).toBeNull();
    expect((await userRow(resetFor))?.emailVerifiedAt).toBeNull();
    expect(
      await anonymous().auth.verifyEmail({ token: newestToken, password: STRONG_PASSWORD }),
    ).toHaveProperty("accessToken");
  });

  it("refuses a link once the account's address is no longer the one it was sent to", async () => {
    const email = uniqueEmail("moved");
    await signup(email);
    const token = mailedToken(app, email, "verify-email");
    await app.database.db
      .update(users)
      .set({ email: uniqueEmail("moved-to") })
      .where(eq(users.email, email));
    expect(await failureOf(anonymous().auth.verifyEmail({ token, password: STRONG_PASSWORD }))).toEqual(
      INVALID_LINK,
    );
  });

  it("needs the sign-up password: the mailbox owner cannot confirm an account someone else opened", async () => {
    const email = uniqueEmail("hijack");
    const squatterPassword = "squatter-chose-this-one-77";
    await signup(email, squatterPassword);
    const token = mailedToken(app, email, "verify-email");

    // The real owner follows the link with a password of their own: refused, nothing confirmed.
    const refused = await failureOf(anonymous().auth.verifyEmail({ token, password: STRONG_PASSWORD }));
    expect(refused).toMatchObject({
      code: "BAD_REQUEST",
      details: { issues: [{ path: "password", code: "password_mismatch" }] },
    });
    expect((await userRow(email))?.emailVerifiedAt).toBeNull();
    expect(await auditRows(app, { action: "user.email_verified" })).not.toContainEqual(
      expect.objectContaining({ resourceId: (await userRow(email))?.id }),
    );
    // The squatter cannot sign in either: the account stays unconfirmed.
    expect((await failureOf(anonymous().auth.login({ email, password: squatterPassword }))).message).toBe(
      INVALID_CREDENTIALS,
    );

    // A wrong password left the link usable: with the right one it confirms (it was the owner after all).
    const session = await anonymous().auth.verifyEmail({ token, password: squatterPassword });
    expect(session.user.email).toBe(email);
  });

  it("counts wrong passwords against the account's sign-in throttle", async () => {
    const email = uniqueEmail("verify-guess");
    await signup(email);
    const token = mailedToken(app, email, "verify-email");
    const guesser = app.caller(null, { ip: "198.51.100.77" });
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(
        (await failureOf(guesser.auth.verifyEmail({ token, password: `guess-${attempt}-xyzzy` }))).code,
      ).toBe("BAD_REQUEST");
    }
    expect((await failureOf(guesser.auth.verifyEmail({ token, password: STRONG_PASSWORD }))).code).toBe(
      "RATE_LIMITED",
    );
  });
});

describe("auth.resendVerification", () => {
  it("mails a fresh link only to an unconfirmed account, answering every address alike", async () => {
    const unconfirmed = uniqueEmail("resend");
    await signup(unconfirmed);
    const confirmed = await app.seedUser();
    const unknown = uniqueEmail("nobody");
    const mailsBefore = app.mailer.sent.length;

    const answers = await Promise.all(
      [unconfirmed, confirmed.email, unknown].map((email) =>
        anonymous().auth.resendVerification({ email: email.toUpperCase() }),
      ),
    );
    expect(answers).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(app.mailer.sent.slice(mailsBefore).map((message) => message.to)).toEqual([unconfirmed]);

    const user = await userRow(unconfirmed);
    const audit = await auditRows(app, { action: "user.verification_resent", actorId: user?.id });
    expect(audit).toHaveLength(1);
    const live = (await tokensOf(user?.id ?? "")).filter((row) => row.usedAt === null);
    expect(live).toHaveLength(1);
  });

  it("stops mailing one address past its budget while answering the same", async () => {
    const email = uniqueEmail("flood");
    await signup(email);
    const budget = app.deps.limiters.accountMailPerAddress.points;
    for (let i = 0; i < budget + 2; i++) {
      expect(await anonymous().auth.resendVerification({ email })).toEqual({ ok: true });
    }
    // The sign-up's own mail counted too.
    expect(mailsTo(email)).toHaveLength(budget);
    const other = uniqueEmail("other");
    await signup(other);
    expect(mailsTo(other)).toHaveLength(1);
  });
});
