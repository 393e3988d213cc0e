import { createLimiter, hmacSha256, type Limiter, type LimitState, type Redis } from "@kyro/platform";
import type { AppDeps } from "../../core/deps";
import { AppError } from "../../core/errors";
import type { RequestInfo } from "../../core/request-info";

declare module "../../core/deps" {
  interface AppDeps {
    limiters: AuthLimiters;
  }
}

/** Throttles of the sign-in and account-mail procedures; the numbers are in `createAuthLimiters`. */
export interface AuthLimiters {
  /** Failed sign-ins of one account from one IP: strict, so guessing from one place stops quickly. */
  loginPerAccountIp: Limiter;
  /** Failed sign-ins from one IP, whichever accounts they target (password spraying). */
  loginPerIp: Limiter;
  /** Failed sign-ins of one account from anywhere: soft, so others cannot lock the owner out. */
  loginPerAccount: Limiter;
  /** Wrong current passwords given to changePassword, per account. */
  passwordCheckPerAccount: Limiter;
  /** Calls that mail an address (signup, resendVerification, requestPasswordReset), per IP. */
  accountMailPerIp: Limiter;
  /** Mails to one address from those calls; beyond it the call still answers the same but sends nothing. */
  accountMailPerAddress: Limiter;
}

const MINUTE = 60;
const HOUR = 3_600;

/**
 * OWASP-style sign-in throttling: per (account, IP) strict, per IP for spraying, per account soft. Only
 * failures count, so a user who signs in normally never meets them; docs/auth.md lists the numbers.
 */
export function createAuthLimiters(prefix: string, redis: Redis | undefined): AuthLimiters {
  const limiter = (name: string, points: number, durationSeconds: number, blockSeconds?: number) =>
    createLimiter({ keyPrefix: `${prefix}:${name}`, points, durationSeconds, blockSeconds }, redis);
  return {
    loginPerAccountIp: limiter("login:account-ip", 10, 15 * MINUTE, 15 * MINUTE),
    loginPerIp: limiter("login:ip", 100, 15 * MINUTE, 15 * MINUTE),
    loginPerAccount: limiter("login:account", 100, HOUR),
    passwordCheckPerAccount: limiter("password-check:account", 10, 15 * MINUTE, 15 * MINUTE),
    accountMailPerIp: limiter("account-mail:ip", 20, HOUR),
    accountMailPerAddress: limiter("account-mail:address", 5, HOUR),
  };
}

/**
 * The per-account throttles' key: an HMAC of the normalized email, so Redis (and its dumps) never hold a
 * list of the addresses people tried. Unknown addresses get a key like any other: no answer differs.
 */
export function accountThrottleKey(deps: AppDeps, email: string): string {
  return hmacSha256(deps.hmacKeys.throttleKey, email);
}

/** One throttle as a check found it; the refusing one becomes the 429's details. */
export interface ThrottleCheck {
  policy: string;
  scope: "ip" | "user";
  limiter: Limiter;
  state: LimitState;
}

export async function peekThrottle(
  policy: string,
  scope: ThrottleCheck["scope"],
  limiter: Limiter,
  key: string,
): Promise<ThrottleCheck> {
  return { policy, scope, limiter, state: await limiter.peek(key) };
}

/** RATE_LIMITED with the details of the refusing throttle that frees up last. */
export function throttled(message: string, ...checks: ThrottleCheck[]): AppError {
  const refusing =
    checks
      .filter((check) => !check.state.allowed)
      .sort((a, b) => b.state.retryAfterSeconds - a.state.retryAfterSeconds)[0] ?? checks[0];
  if (!refusing) throw new Error("throttled() needs the checks that refused");
  const seconds = Math.max(1, refusing.state.retryAfterSeconds);
  return new AppError("RATE_LIMITED", message, {
    limit: refusing.limiter.points,
    remaining: refusing.state.remaining,
    resetAt: new Date(Date.now() + seconds * 1000).toISOString(),
    policy: refusing.policy,
    scope: refusing.scope,
  });
}

export const FAILED_ATTEMPTS = "Too many failed attempts; try again later";

export interface LoginThrottle {
  /** Throws RATE_LIMITED while any of the three limits is spent. */
  assertAllowed(): Promise<void>;
  recordFailure(): Promise<void>;
  /** A success clears this account's count from this IP only: the other counts are about other callers. */
  recordSuccess(): Promise<void>;
}

/**
 * Failed sign-ins counted three ways (OWASP): per (account, IP) strictly, so one attacker stops after a
 * few guesses without the owner being locked out elsewhere; per IP, against spraying many accounts; and
 * per account across all IPs with a much larger budget, so a distributed attacker cannot guess forever.
 */
export function loginThrottle(deps: AppDeps, email: string, request: RequestInfo): LoginThrottle {
  const { loginPerAccountIp, loginPerIp, loginPerAccount } = deps.limiters;
  const accountKey = accountThrottleKey(deps, email);
  const accountIpKey = `${accountKey}|${request.ip}`;
  return {
    async assertAllowed() {
      const checks = await Promise.all([
        peekThrottle("login-account-ip", "ip", loginPerAccountIp, accountIpKey),
        peekThrottle("login-ip", "ip", loginPerIp, request.ip),
        peekThrottle("login-account", "user", loginPerAccount, accountKey),
      ]);
      if (checks.some((check) => !check.state.allowed)) throw throttled(FAILED_ATTEMPTS, ...checks);
    },
    async recordFailure() {
      await Promise.all([
        loginPerAccountIp.consume(accountIpKey),
        loginPerIp.consume(request.ip),
        loginPerAccount.consume(accountKey),
      ]);
    },
    async recordSuccess() {
      await loginPerAccountIp.reset(accountIpKey);
    },
  };
}

/**
 * Admits a call that mails an address (signup, resendVerification, requestPasswordReset). Over the
 * per-IP budget it throws RATE_LIMITED (the caller's own limit). Over the per-address budget it
 * returns false: the call answers as usual but sends nothing, so nobody can flood a mailbox, and the
 * answer still says nothing about whether the address has an account.
 */
export async function admitAccountMail(deps: AppDeps, email: string, request: RequestInfo): Promise<boolean> {
  const { accountMailPerIp, accountMailPerAddress } = deps.limiters;
  const perIp = await accountMailPerIp.consume(request.ip);
  if (!perIp.allowed) {
    const check: ThrottleCheck = {
      policy: "account-mail-ip",
      scope: "ip",
      limiter: accountMailPerIp,
      state: perIp,
    };
    throw throttled("Too many requests; try again later", check);
  }
  const perAddress = await accountMailPerAddress.consume(accountThrottleKey(deps, email));
  return perAddress.allowed;
}
