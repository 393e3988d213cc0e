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

export function throttled(...states: LimitState[]): AppError {
  const retryAfterSeconds = Math.max(1, ...states.map((state) => state.retryAfterSeconds));
  return new AppError("TOO_MANY_REQUESTS", "Too many failed attempts; try again later", {
    retryAfterSeconds,
  });
}

export interface LoginThrottle {
  /** Throws TOO_MANY_REQUESTS while any of the three limits is spent. */
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
      const states = await Promise.all([
        loginPerAccountIp.peek(accountIpKey),
        loginPerIp.peek(request.ip),
        loginPerAccount.peek(accountKey),
      ]);
      if (states.some((state) => !state.allowed)) throw throttled(...states);
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
 * per-IP budget it throws TOO_MANY_REQUESTS (the caller's own limit). Over the per-address budget it
 * returns false: the call answers as usual but sends nothing, so nobody can flood a mailbox, and the
 * answer still says nothing about whether the address has an account.
 */
export async function admitAccountMail(deps: AppDeps, email: string, request: RequestInfo): Promise<boolean> {
  const { accountMailPerIp, accountMailPerAddress } = deps.limiters;
  const perIp = await accountMailPerIp.consume(request.ip);
  if (!perIp.allowed) {
    throw new AppError("TOO_MANY_REQUESTS", "Too many requests; try again later", {
      retryAfterSeconds: perIp.retryAfterSeconds,
    });
  }
  const perAddress = await accountMailPerAddress.consume(accountThrottleKey(deps, email));
  return perAddress.allowed;
}
