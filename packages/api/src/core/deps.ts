import type { Database, Executor } from "@kyro/db";
import type {
  AccessTokenIssuer,
  EnqueueOptions,
  Keyring,
  Logger,
  Mailer,
  OutboundClient,
  Redis,
} from "@kyro/platform";
import type { ApiKeyPrincipal } from "./principal";
import type { RequestLimits } from "./request-limits";

/**
 * The settings every layer reads. A domain adds its own fields to this interface (declaration merging
 * in the domain's module, e.g. `limits` in domains/limits/settings.ts); the wiring module fills them.
 */
export interface Settings {
  /** Base URL used in links sent by mail (invitations, email verification, password reset). */
  publicUrl: string;
  /** Emails of platform operators; rights need the account's address to be verified too. */
  platformAdmins: readonly string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  invitationTtlHours: number;
  /** How long an email verification link works. */
  emailVerificationTtlHours: number;
  /** How long a password reset link works. */
  passwordResetTtlMinutes: number;
  /** CIDR ranges exempt from the SSRF guard (KYRO_OUTBOUND_ALLOW_CIDRS). */
  outboundAllowCidrs: readonly string[];
}

/** Verifies API keys (cached); implemented by the api-keys domain. */
export interface ApiKeyVerifier {
  /** Resolves a presented key to its principal, or throws UNAUTHORIZED. */
  verify(secret: string): Promise<ApiKeyPrincipal>;
  /** Drops a key's cached record here at once and, with Redis, on every other process (after rotate/revoke). */
  invalidate(keyId: string): Promise<void>;
  /** Drops every cached key of the org, everywhere (its suspension changed). */
  invalidateOrg(orgId: string): Promise<void>;
  /** Writes pending last-used times now instead of at the next minute tick. */
  flush(): Promise<void>;
  /** Stops the timer and the Redis subscriber after a final flush. */
  dispose(): Promise<void>;
}

/** Enqueues background jobs (pg-boss); the worker runs them (see jobs.ts). */
export interface JobQueue {
  /**
   * Writes a job through `executor`: pass the domain transaction and the job commits or rolls back with
   * the change. Returns the job id, or null when a singleton rule dropped it.
   */
  enqueue(
    executor: Executor,
    name: string,
    data: object,
    options?: Pick<EnqueueOptions, "startAfterSeconds" | "singletonKey">,
  ): Promise<string | null>;
}

/**
 * Everything the procedures and services need, built once per process by the wiring module (or a test).
 * The core declares what it uses itself; a domain that keeps a service of its own here (the auth
 * throttles, the live-widget cache) adds it to this interface in its own module.
 */
export interface AppDeps {
  db: Database;
  redis?: Redis;
  /** First part of every Redis key this process writes (`kyro` unless configured). */
  redisKeyPrefix: string;
  logger: Logger;
  mailer: Mailer;
  accessTokens: AccessTokenIssuer;
  /** HMAC keys derived from KYRO_SECRET, one per purpose. */
  hmacKeys: {
    refreshToken: Buffer;
    invitation: Buffer;
    apiKey: Buffer;
    widgetSession: Buffer;
    throttleKey: Buffer;
    userToken: Buffer;
    /** Signs export download links. */
    exportLink: Buffer;
    /** Hashes visitor identifiers and emails in PII-safe exports. */
    exportPii: Buffer;
  };
  /** Per-request limits, daily quotas and usage counting; implemented by the limits domain. */
  requestLimits: RequestLimits;
  apiKeys: ApiKeyVerifier;
  jobs: JobQueue;
  /** Encrypts credentials and signing secrets at rest (AES-256-GCM, keys derived from KYRO_SECRET). */
  encryption: Keyring;
  /** The only HTTP client for tenant-chosen URLs: SSRF guard, no redirects, timeouts, capped responses. */
  outbound: OutboundClient;
  settings: Settings;
  /** Releases timers and extra connections and writes what is pending; call before closing Redis and the database. */
  dispose(): Promise<void>;
}
