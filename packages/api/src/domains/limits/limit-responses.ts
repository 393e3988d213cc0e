import { AppError, type LimitDetails } from "../../core/errors";
import type { LimitOutcome, PolicyState } from "../../core/request-limits";

/**
 * The 429 of these limits (RATE_LIMITED or QUOTA_EXCEEDED). It carries the outcome so the server sends
 * the RateLimit headers of the limit that refused, whichever check threw it.
 */
export class LimitError extends AppError {
  constructor(
    readonly outcome: LimitOutcome,
    quota: boolean,
  ) {
    const state = outcome.governing;
    super(
      quota ? "QUOTA_EXCEEDED" : "RATE_LIMITED",
      quota
        ? `Daily quota reached (${state.policy}); it resets at 00:00 UTC`
        : `Too many requests (${state.policy}); retry in ${state.resetSeconds} s`,
      limitDetails(state),
    );
  }
}

/** The outcome behind a limit's 429, or undefined for any other error. */
export function limitOutcomeOf(error: unknown): LimitOutcome | undefined {
  const cause = error instanceof Error && error.cause instanceof LimitError ? error.cause : error;
  return cause instanceof LimitError ? cause.outcome : undefined;
}

export function limitDetails(state: PolicyState, at = Date.now()): LimitDetails {
  return {
    limit: state.limit,
    remaining: state.remaining,
    resetAt: new Date(at + state.resetSeconds * 1000).toISOString(),
    policy: state.policy,
    scope: state.scope,
  };
}

/**
 * Response headers for an outcome: the IETF draft (draft-ietf-httpapi-ratelimit-headers-11) fields
 * `RateLimit-Policy` (every policy applied, `"name";q=<quota>;w=<window>`) and `RateLimit` (`"name";r=<remaining>;t=<seconds>`),
 * plus the widespread X-RateLimit-* trio and, when refused, Retry-After — all for the governing policy.
 * Flat (name, value, name, value, …), the form Node's writeHead takes.
 */
export function rateLimitHeaders(outcome: LimitOutcome, refused: boolean, at = Date.now()): string[] {
  const { governing } = outcome;
  let policy = "";
  let state = "";
  for (const p of outcome.policies) {
    const separator = policy ? ", " : "";
    policy += `${separator}"${p.policy}";q=${p.limit};w=${p.windowSeconds}`;
    state += `${separator}"${p.policy}";r=${p.remaining};t=${p.resetSeconds}`;
  }
  const headers = [
    "RateLimit-Policy",
    policy,
    "RateLimit",
    state,
    "X-RateLimit-Limit",
    `${governing.limit}`,
    "X-RateLimit-Remaining",
    `${governing.remaining}`,
    "X-RateLimit-Reset",
    `${Math.ceil(at / 1000) + governing.resetSeconds}`,
  ];
  if (refused) headers.push("Retry-After", String(governing.resetSeconds));
  return headers;
}
