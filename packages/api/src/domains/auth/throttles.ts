import { hmacSha256, type LimitState } from "@kyro/platform";
import type { RequestInfo } from "../../context";
import type { AppDeps } from "../../deps";
import { AppError } from "../../errors";

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
