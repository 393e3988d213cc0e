import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVALID_CREDENTIALS } from "../../../src/domains/auth/service";
import { accountThrottleKey } from "../../../src/domains/auth/throttles";
import { type Failure, failureOf, STRONG_PASSWORD, uniqueEmail } from "../../auth-helpers";
import { createTestApp, type TestApp } from "../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

/** A verified account (the password is the harness's TEST_PASSWORD). */
async function account(): Promise<{ email: string; password: string }> {
  const user = await app.seedUser({ email: uniqueEmail("throttle") });
  return { email: user.email, password: user.password };
}

function login(email: string, password: string, ip: string) {
  return app.caller(null, { ip }).auth.login({ email, password });
}

const WRONG = "wrong-password-guess";
const budgets = () => ({
  accountIp: app.deps.limiters.loginPerAccountIp.points,
  ip: app.deps.limiters.loginPerIp.points,
  account: app.deps.limiters.loginPerAccount.points,
});

function expectThrottled(failure: Failure) {
  expect(failure).toMatchObject({
    code: "RATE_LIMITED",
    details: {
      limit: expect.any(Number),
      remaining: 0,
      policy: expect.any(String),
      scope: expect.any(String),
    },
  });
  expect(Date.parse(String(failure.details?.resetAt))).toBeGreaterThan(Date.now());
}

describe("login throttling", () => {
  it("has a strict (account, IP) limit, a per-IP limit and a much softer per-account limit", () => {
    const { accountIp, ip, account } = budgets();
    expect(accountIp).toBe(10);
    expect(ip).toBe(100);
    expect(account).toBe(100);
  });

  it("locks one IP out of an account after its failures, while the owner signs in from elsewhere", async () => {
    const { email, password } = await account();
    const attacker = "10.1.0.1";
    for (let i = 0; i < budgets().accountIp; i++) {
      expect((await failureOf(login(email.toUpperCase(), WRONG, attacker))).code).toBe("UNAUTHORIZED");
    }
    // Even the right password no longer helps from the attacker's IP...
    expectThrottled(await failureOf(login(email, password, attacker)));
    // ...but the owner, anywhere else, is not locked out.
    expect(await login(email, password, "10.1.0.2")).toHaveProperty("accessToken");
    // And the attacker's IP may still try other accounts.
    const other = await account();
    expect(await login(other.email, other.password, attacker)).toHaveProperty("accessToken");
  });

  it("counts under an HMAC of the email, never the address itself", async () => {
    const { email } = await account();
    const ip = "10.4.0.1";
    await failureOf(login(email, WRONG, ip));
    const { loginPerAccountIp, loginPerAccount } = app.deps.limiters;
    const key = accountThrottleKey(app.deps, email);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect((await loginPerAccountIp.peek(`${key}|${ip}`)).remaining).toBe(loginPerAccountIp.points - 1);
    expect((await loginPerAccount.peek(key)).remaining).toBe(loginPerAccount.points - 1);
    expect((await loginPerAccount.peek(email)).remaining).toBe(loginPerAccount.points);
  });

  it("clears the account's count from an IP when it signs in from that IP", async () => {
    const { email, password } = await account();
    const ip = "10.2.0.1";
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < budgets().accountIp - 1; i++) {
        expect((await failureOf(login(email, WRONG, ip))).code).toBe("UNAUTHORIZED");
      }
      expect(await login(email, password, ip)).toHaveProperty("accessToken");
    }
  });

  it("blocks an IP after its failure budget across many accounts, and no other IP", async () => {
    const ip = "10.3.0.1";
    const failures = await Promise.all(
      Array.from({ length: budgets().ip }, () =>
        failureOf(login(uniqueEmail("spray"), "spray-password-1", ip)),
      ),
    );
    expect(new Set(failures.map((f) => f.code))).toEqual(new Set(["UNAUTHORIZED"]));

    const victim = await account();
    expectThrottled(await failureOf(login(victim.email, victim.password, ip)));
    expect(await login(victim.email, victim.password, "10.3.0.2")).toHaveProperty("accessToken");
  });

  it("stops a distributed attacker at the soft per-account limit, far above the strict one", async () => {
    const { email, password } = await account();
    const { accountIp, account: perAccount } = budgets();
    // Just under the limit from many IPs, each staying under its (account, IP) budget.
    const ips = Array.from({ length: perAccount - 1 }, (_, i) => `10.5.${Math.floor(i / (accountIp - 1))}.1`);
    for (const ip of ips) expect((await failureOf(login(email, WRONG, ip))).code).toBe("UNAUTHORIZED");
    // Ninety-nine failures in, the owner still signs in from a new place...
    expect(await login(email, password, "10.5.200.1")).toHaveProperty("accessToken");
    // ...and one more failure spends the account's budget for every IP, the owner's too.
    expect((await failureOf(login(email, WRONG, "10.5.201.1"))).code).toBe("UNAUTHORIZED");
    expectThrottled(await failureOf(login(email, password, "10.5.202.1")));
    // A password reset proves the mailbox and lifts it.
    await app.caller(null, { ip: "10.5.203.1" }).auth.requestPasswordReset({ email });
    const reset = app.mailer.sent.findLast((message) => message.to === email);
    const token = decodeURIComponent(/token=(\S+)/.exec(reset?.text ?? "")?.[1] ?? "");
    await app.caller().auth.resetPassword({ token, newPassword: "amber-quarry-lighthouse-7" });
    expect(await login(email, "amber-quarry-lighthouse-7", "10.5.202.1")).toHaveProperty("accessToken");
  });

  it("treats unknown addresses exactly like registered ones", async () => {
    const registered = await account();
    const unknown = uniqueEmail("ghost");
    for (const email of [registered.email, unknown]) {
      const ip = email === unknown ? "10.6.0.1" : "10.6.0.2";
      for (let i = 0; i < budgets().accountIp; i++) {
        expect(await failureOf(login(email, WRONG, ip))).toEqual({
          code: "UNAUTHORIZED",
          message: INVALID_CREDENTIALS,
          details: null,
        });
      }
      expectThrottled(await failureOf(login(email, WRONG, ip)));
    }
  });

  it("counts wrong current passwords on changePassword against the account, without locking out sign-in", async () => {
    const { email, password } = await account();
    const session = await login(email, password, "10.7.0.1");
    const budget = app.deps.limiters.passwordCheckPerAccount.points;
    expect(budget).toBe(10);
    // From ever-changing IPs: a stolen token does not get more guesses by moving.
    const change = (i: number) =>
      app.caller(session.accessToken, { ip: `10.7.1.${i}` }).auth.changePassword({
        currentPassword: "a-guess-at-the-password",
        newPassword: "quartz-meadow-lantern-42",
      });
    for (let i = 0; i < budget; i++) expect((await failureOf(change(i))).code).toBe("BAD_REQUEST");
    expectThrottled(await failureOf(change(budget)));
    // The right current password is refused too while blocked.
    expectThrottled(
      await failureOf(
        app
          .caller(session.accessToken)
          .auth.changePassword({ currentPassword: password, newPassword: "quartz-meadow-lantern-42" }),
      ),
    );
    // The guesses count toward the soft per-account budget, but sign-in still works.
    const key = accountThrottleKey(app.deps, email);
    const { loginPerAccount } = app.deps.limiters;
    expect((await loginPerAccount.peek(key)).remaining).toBe(loginPerAccount.points - budget);
    expect(await login(email, password, "10.7.0.2")).toHaveProperty("accessToken");
  });
});

describe("throttling of calls that send account mail", () => {
  it("refuses an IP past its budget for sign-up, resend and reset alike, and no other IP", async () => {
    const ip = "10.8.0.1";
    const caller = app.caller(null, { ip });
    const budget = app.deps.limiters.accountMailPerIp.points;
    for (let i = 0; i < budget; i++) {
      const email = uniqueEmail("mail-ip");
      const call = [
        () => caller.auth.signup({ email, password: STRONG_PASSWORD }),
        () => caller.auth.resendVerification({ email }),
        () => caller.auth.requestPasswordReset({ email }),
      ][i % 3];
      await call?.();
    }
    const email = uniqueEmail("mail-ip");
    expectThrottled(await failureOf(caller.auth.signup({ email, password: STRONG_PASSWORD })));
    expectThrottled(await failureOf(caller.auth.resendVerification({ email })));
    expectThrottled(await failureOf(caller.auth.requestPasswordReset({ email })));
    expect(
      await app.caller(null, { ip: "10.8.0.2" }).auth.signup({ email, password: STRONG_PASSWORD }),
    ).toEqual({ verificationRequired: true, email });
  });
});
