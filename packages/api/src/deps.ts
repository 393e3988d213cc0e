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
  /** Base URL used in links sent by mail (invitations). */
  publicUrl: string;
  platformAdmins: readonly string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  invitationTtlHours: number;
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
  };
  limiters: { loginPerAccount: Limiter; loginPerIp: Limiter };
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
    limiters: {
      // Failed logins only: 10 per account per 15 minutes, 100 per IP per 15 minutes; then blocked 15 minutes.
      loginPerAccount: createLimiter(
        { keyPrefix: `${prefix}:login:account`, points: 10, durationSeconds: 900, blockSeconds: 900 },
        options.redis,
      ),
      loginPerIp: createLimiter(
        { keyPrefix: `${prefix}:login:ip`, points: 100, durationSeconds: 900, blockSeconds: 900 },
        options.redis,
      ),
    },
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
