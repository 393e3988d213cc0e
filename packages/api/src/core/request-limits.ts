import type { Principal } from "./principal";
import type { RequestInfo } from "./request-info";

/**
 * What the procedure builders ask of the request limits. The limits domain implements it
 * (domains/limits/request-limits.ts) and adds its own members (cache, counters, usage) to this interface.
 */
export interface RequestLimits {
  /** Counts one request against every dimension that applies, in one round trip; throws 429 when over. */
  checkRequest(
    trace: { limits?: LimitOutcome },
    request: RequestInfo,
    subject: RequestSubject,
  ): Promise<void>;
  dispose(): Promise<void>;
}

/** Who a request is counted against: set by the procedure chain once the caller (and org) is known. */
export interface RequestSubject {
  principal?: Principal;
  /** A verified org of the caller (membership or the key's own). */
  orgId?: string;
  /** A bot the input names; counted only when it is a live bot of `orgId`. */
  botId?: string;
}

export type LimitScope = "ip" | "apiKey" | "user" | "org" | "bot" | "conversation";

/** One limit as it stood after a request: the RateLimit headers and 429 details are made of these. */
export interface PolicyState {
  /** The policy's name in `RateLimit-Policy`, e.g. `org` or `org-requests-daily`. */
  policy: string;
  scope: LimitScope;
  limit: number;
  remaining: number;
  /** Seconds until the window (or the UTC day) ends. */
  resetSeconds: number;
  windowSeconds: number;
}

/** Set on the request's trace by the limit check; the server turns it into headers. */
export interface LimitOutcome {
  policies: PolicyState[];
  /** The refusing policy, or else the one with the least room left. */
  governing: PolicyState;
}
