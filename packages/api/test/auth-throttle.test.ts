import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountThrottleKey } from "../src/domains/auth/service";
import { failureOf, STRONG_PASSWORD, uniqueEmail } from "./auth-helpers";
import { createTestApp, type TestApp } from "./harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

async function account() {
  const email = uniqueEmail("throttle");
  await app.caller().auth.signup({ email, password: STRONG_PASSWORD });
  return email;
}

function login(email: string, password: string, ip: string) {
  return app.caller(null, { ip }).auth.login({ email, password });
}

describe("login throttling", () => {
  it("blocks an account after its failure budget, from any IP, even with the right password", async () => {
    const email = await account();
    const budget = app.deps.limiters.loginPerAccount.points;
    for (let i = 0; i < budget; i++) {
      // A different IP each time, so only the account counter can be what trips.
      const failure = await failureOf(login(email.toUpperCase(), "wrong-password-guess", `10.1.0.${i + 1}`));
      expect(failure.code).toBe("UNAUTHORIZED");
    }
    const blocked = await failureOf(login(email, STRONG_PASSWORD, "10.1.1.1"));
    expect(blocked.code).toBe("TOO_MANY_REQUESTS");
    expect(blocked.details?.retryAfterSeconds).toEqual(expect.any(Number));
    expect(blocked.details?.retryAfterSeconds as number).toBeGreaterThan(0);

    // Other accounts are unaffected, even from an IP that took part.
    const other = await account();
    expect(await login(other, STRONG_PASSWORD, "10.1.0.1")).toHaveProperty("accessToken");
  });

  it("counts failures under an HMAC of the email, never the address itself", async () => {
    const email = await account();
    await failureOf(login(email, "wrong-password-guess", "10.4.0.1"));
    const limiter = app.deps.limiters.loginPerAccount;
    const key = accountThrottleKey(app.deps, email);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect((await limiter.peek(key)).remaining).toBe(limiter.points - 1);
    expect((await limiter.peek(email)).remaining).toBe(limiter.points);
  });

  it("clears the account's count on a successful login", async () => {
    const email = await account();
    const budget = app.deps.limiters.loginPerAccount.points;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < budget - 1; i++) {
        expect((await failureOf(login(email, "wrong-password-guess", `10.2.${round}.${i + 1}`))).code).toBe(
          "UNAUTHORIZED",
        );
      }
      expect(await login(email, STRONG_PASSWORD, "10.2.9.9")).toHaveProperty("accessToken");
    }
  });

  it("blocks an IP after its failure budget, for every account, and no other IP", async () => {
    const ip = "10.3.0.1";
    const budget = app.deps.limiters.loginPerIp.points;
    const failures = await Promise.all(
      Array.from({ length: budget }, () => failureOf(login(uniqueEmail("spray"), "spray-password-1", ip))),
    );
    expect(new Set(failures.map((f) => f.code))).toEqual(new Set(["UNAUTHORIZED"]));

    const victim = await account();
    const blocked = await failureOf(login(victim, STRONG_PASSWORD, ip));
    expect(blocked).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      details: { retryAfterSeconds: expect.any(Number) },
    });
    expect(await login(victim, STRONG_PASSWORD, "10.3.0.2")).toHaveProperty("accessToken");
  });

  it("counts wrong current passwords on changePassword against the account", async () => {
    const email = await account();
    const session = await login(email, STRONG_PASSWORD, "10.4.0.1");
    const budget = app.deps.limiters.loginPerAccount.points;
    const change = () =>
      app.caller(session.accessToken).auth.changePassword({
        currentPassword: "a-guess-at-the-password",
        newPassword: "quartz-meadow-lantern-42",
      });
    for (let i = 0; i < budget; i++) expect((await failureOf(change())).code).toBe("BAD_REQUEST");
    expect((await failureOf(change())).code).toBe("TOO_MANY_REQUESTS");
    expect((await failureOf(login(email, STRONG_PASSWORD, "10.4.0.2"))).code).toBe("TOO_MANY_REQUESTS");
  });
});
