import { type Database, type Executor, executorSql } from "@kyro/db";
import {
  type AccessTokenIssuer,
  createAccessTokenIssuer,
  createKeyring,
  createLimiter,
  createOutboundClient,
  deriveKey,
  type EnqueueOptions,
  enqueueJob,
  type Keyring,
  type Limiter,
  type Logger,
  type Mailer,
  type OutboundClient,
  type Redis,
} from "@kyro/platform";
import type { ApiKeyPrincipal } from "./authenticate";
import { createApiKeyVerifier } from "./domains/api-keys/verifier";
import { DEFAULT_LIMIT_SETTINGS, type LimitSettings } from "./domains/limits/settings";
import { createLiveWidgetCache, type LiveWidgetCache } from "./domains/widget/live-widgets";
import { createRequestLimits, type RequestLimits } from "./request-limits";

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
  /** Delays between webhook delivery attempts, in seconds (KYRO_WEBHOOK_RETRY_SCHEDULE). */
  webhookRetryScheduleSeconds: readonly number[];
  /** Rate limits, quotas and their defaults (KYRO_LIMIT_*). */
  limits: LimitSettings;
}

/** Verifies API keys (cached); implemented by the api-keys domain. */
export interface ApiKeyVerifier {
  /** Resolves a presented key to its principal, or throws UNAUTHORIZED. */
  verify(secret: string): Promise<ApiKeyPrincipal>;
  /** Drops a key's cached record here at once and, with Redis, on every other process (after rotate/revoke). */
  invalidate(keyId: string): Promise<void>;
  /** Writes pending last-used times now instead of at the next minute tick. */
  flush(): Promise<void>;
  /** Stops the timer and the Redis subscriber after a final flush. */
  dispose(): Promise<void>;
}

/** Enqueues background jobs (pg-boss); the worker runs them (see jobs/registry.ts). */
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

/** Everything the procedures and services need, built once per process by the server (or a test). */
export interface AppDeps {
  db: Database;
  redis?: Redis;
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
  };
  limiters: AuthLimiters;
  /** Per-request limits, daily quotas and usage counting. */
  requestLimits: RequestLimits;
  apiKeys: ApiKeyVerifier;
  /** Live bots and their widget settings for the public widget runtime (cached, dropped on change). */
  liveWidgets: LiveWidgetCache;
  jobs: JobQueue;
  /** Encrypts credentials and signing secrets at rest (AES-256-GCM, keys derived from KYRO_SECRET). */
  encryption: Keyring;
  /** The only HTTP client for tenant-chosen URLs: SSRF guard, no redirects, timeouts, capped responses. */
  outbound: OutboundClient;
  settings: Settings;
  /** Releases timers and extra connections and writes what is pending; call before closing Redis and the database. */
  dispose(): Promise<void>;
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

export interface BuildDepsOptions {
  db: Database;
  redis?: Redis;
  logger: Logger;
  mailer: Mailer;
  secret: string;
  /** Prefix for every Redis key, so tests and co-tenants of one Redis never collide. */
  redisKeyPrefix?: string;
  settings?: Partial<Settings>;
}

export const DEFAULT_SETTINGS: Settings = {
  publicUrl: "http://127.0.0.1:3000",
  platformAdmins: [],
  accessTokenTtlSeconds: 15 * 60,
  refreshTokenTtlDays: 30,
  invitationTtlHours: 72,
  emailVerificationTtlHours: 24,
  passwordResetTtlMinutes: 60,
  outboundAllowCidrs: [],
  // Like Svix: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (the first attempt is immediate).
  webhookRetryScheduleSeconds: [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000],
  limits: DEFAULT_LIMIT_SETTINGS,
};

export function buildDeps(options: BuildDepsOptions): AppDeps {
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const prefix = options.redisKeyPrefix ?? "kyro";
  const hmacKeys = {
    refreshToken: deriveKey(options.secret, "refresh-token"),
    invitation: deriveKey(options.secret, "invitation"),
    apiKey: deriveKey(options.secret, "api-key"),
    widgetSession: deriveKey(options.secret, "widget-session"),
    throttleKey: deriveKey(options.secret, "throttle-key"),
    userToken: deriveKey(options.secret, "user-token"),
  };
  const apiKeys = createApiKeyVerifier({
    db: options.db,
    redis: options.redis,
    logger: options.logger,
    hmacKey: hmacKeys.apiKey,
    invalidationChannel: `${prefix}:api-keys:invalidate`,
  });
  const liveWidgets = createLiveWidgetCache({
    logger: options.logger,
    redis: options.redis,
    invalidationChannel: `${prefix}:live-widgets:invalidate`,
  });
  const outbound = createOutboundClient({ allowCidrs: settings.outboundAllowCidrs });
  const requestLimits = createRequestLimits({
    db: options.db,
    redis: options.redis,
    logger: options.logger,
    keyPrefix: prefix,
    settings: settings.limits,
  });
  return {
    db: options.db,
    redis: options.redis,
    logger: options.logger,
    mailer: options.mailer,
    accessTokens: createAccessTokenIssuer(
      deriveKey(options.secret, "access-token"),
      settings.accessTokenTtlSeconds,
    ),
    hmacKeys,
    limiters: createAuthLimiters(prefix, options.redis),
    apiKeys,
    liveWidgets,
    requestLimits,
    jobs: {
      enqueue: (executor, name, data, enqueueOptions) =>
        enqueueJob(executorSql(executor), name, data, enqueueOptions),
    },
    encryption: createKeyring({
      purpose: "at-rest",
      keys: [{ id: "k1", secret: options.secret }],
      currentKeyId: "k1",
    }),
    outbound,
    settings,
    dispose: async () => {
      liveWidgets.dispose();
      await Promise.all([apiKeys.dispose(), requestLimits.dispose(), outbound.close()]);
    },
  };
}

const MINUTE = 60;
const HOUR = 3_600;

/**
 * OWASP-style sign-in throttling: per (account, IP) strict, per IP for spraying, per account soft. Only
 * failures count, so a user who signs in normally never meets them; docs/auth.md lists the numbers.
 */
function createAuthLimiters(prefix: string, redis: Redis | undefined): AuthLimiters {
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
