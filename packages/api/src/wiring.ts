import { type Database, executorSql } from "@kyro/db";
import {
  createAccessTokenIssuer,
  createKeyring,
  createObjectStorage,
  createOutboundClient,
  deriveKey,
  enqueueJob,
  type Logger,
  type Mailer,
  type Redis,
} from "@kyro/platform";
import { createCacheInvalidation } from "./core/cache-invalidation";
import type { AppDeps, Settings } from "./core/deps";
import { registerEventFanOut } from "./core/events/emit";
import { DEFAULT_SUSPENDED_JOB_RECHECK_SECONDS } from "./core/suspension-hold";
import { createApiKeyVerifier } from "./domains/api-keys/verifier";
import { createAuthLimiters } from "./domains/auth/throttles";
import { DEFAULT_EXPORT_SETTINGS } from "./domains/exports/index";
import { createRequestLimits } from "./domains/limits/request-limits";
import { DEFAULT_LIMIT_SETTINGS } from "./domains/limits/settings";
import { createModelTargetCache, DEFAULT_AI_SETTINGS } from "./domains/providers/index";
import { DEFAULT_RETENTION_SETTINGS } from "./domains/retention/settings";
import { DEFAULT_SOURCE_SETTINGS } from "./domains/sources/index";
import { webhookFanOut } from "./domains/webhooks/fanout";
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE } from "./domains/webhooks/retry-policy";
import { createLiveWidgetCache } from "./domains/widget/live-widgets";

/**
 * The one place that builds the process's dependencies from the domains' factories: the core declares
 * what it needs (core/deps.ts), the domains implement it, and this module puts them together.
 */

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
  webhookRetryScheduleSeconds: DEFAULT_WEBHOOK_RETRY_SCHEDULE,
  suspendedJobRecheckSeconds: DEFAULT_SUSPENDED_JOB_RECHECK_SECONDS,
  limits: DEFAULT_LIMIT_SETTINGS,
  ai: DEFAULT_AI_SETTINGS,
  sources: DEFAULT_SOURCE_SETTINGS,
  exports: DEFAULT_EXPORT_SETTINGS,
  retention: DEFAULT_RETENTION_SETTINGS,
};

export function buildDeps(options: BuildDepsOptions): AppDeps {
  registerEventFanOut(webhookFanOut);
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const prefix = options.redisKeyPrefix ?? "kyro";
  const hmacKeys = {
    refreshToken: deriveKey(options.secret, "refresh-token"),
    invitation: deriveKey(options.secret, "invitation"),
    apiKey: deriveKey(options.secret, "api-key"),
    widgetSession: deriveKey(options.secret, "widget-session"),
    throttleKey: deriveKey(options.secret, "throttle-key"),
    userToken: deriveKey(options.secret, "user-token"),
    exportLink: deriveKey(options.secret, "export-link"),
    exportPii: deriveKey(options.secret, "export-pii"),
  };
  const invalidation = createCacheInvalidation({
    redis: options.redis,
    logger: options.logger,
    channel: `${prefix}:cache:invalidate`,
  });
  const apiKeys = createApiKeyVerifier({
    db: options.db,
    logger: options.logger,
    hmacKey: hmacKeys.apiKey,
    invalidation,
  });
  const liveWidgets = createLiveWidgetCache({ invalidation });
  const modelTargets = createModelTargetCache({ invalidation });
  const exportStorage = createObjectStorage(settings.exports.storage);
  const outbound = createOutboundClient({ allowCidrs: settings.outboundAllowCidrs });
  const requestLimits = createRequestLimits({
    db: options.db,
    redis: options.redis,
    logger: options.logger,
    keyPrefix: prefix,
    settings: settings.limits,
    invalidation,
  });
  return {
    db: options.db,
    redis: options.redis,
    redisKeyPrefix: prefix,
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
    modelTargets,
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
    exportStorage,
    settings,
    dispose: async () => {
      invalidation.dispose();
      exportStorage.close();
      await Promise.all([apiKeys.dispose(), requestLimits.dispose(), outbound.close()]);
    },
  };
}
