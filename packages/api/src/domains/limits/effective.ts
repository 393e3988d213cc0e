import { and, botLimits, bots, type Executor, eq, isNull, orgLimits } from "@kyro/db";
import { coversOrg, createCache, orgScopedKey } from "../../core/cache";
import type { CacheInvalidation } from "../../core/cache-invalidation";
import { BOT_LIMIT_FIELDS, type BotLimitValues, ORG_LIMIT_FIELDS, type OrgLimitValues } from "./settings";

type Overrides<T> = { [K in keyof T]: number | null };

/** An override column wins when set; null falls back to the default. */
export function mergeLimits<T extends object>(
  defaults: T,
  overrides: Partial<Overrides<T>> | undefined,
  fields: readonly (keyof T)[],
): T {
  const merged = { ...defaults };
  if (!overrides) return merged;
  for (const field of fields) {
    const value = overrides[field];
    if (typeof value === "number") merged[field] = value as T[keyof T];
  }
  return merged;
}

export function orgOverridesQuery(db: Executor, orgId: string) {
  return db
    .select({
      keyRequestsPerMinute: orgLimits.keyRequestsPerMinute,
      userRequestsPerMinute: orgLimits.userRequestsPerMinute,
      orgRequestsPerMinute: orgLimits.orgRequestsPerMinute,
      requestsPerDay: orgLimits.requestsPerDay,
      messagesPerDay: orgLimits.messagesPerDay,
      botRequestsPerMinute: orgLimits.botRequestsPerMinute,
      botMessagesPerDay: orgLimits.botMessagesPerDay,
    })
    .from(orgLimits)
    .where(eq(orgLimits.orgId, orgId))
    .limit(1);
}

export interface LimitsCache {
  /** The org's effective limits (defaults merged with its overrides). */
  org(orgId: string): Promise<OrgLimitValues>;
  /** A live bot's effective limits; null when the org has no such bot (nothing to count it against). */
  bot(orgId: string, botId: string): Promise<BotLimitValues | null>;
  /** Drops the org's (and its bots') cached limits here and, with Redis, on every other process. */
  invalidate(orgId: string): Promise<void>;
}

export const LIMITS_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 20_000;

/**
 * Effective limits are read on every request, so they are cached in process (see `createCache`: a
 * short TTL bounds staleness, changes are dropped over the invalidation channel). A miss costs one
 * indexed query.
 */
export function createLimitsCache(options: {
  db: Executor;
  defaults: OrgLimitValues;
  invalidation?: CacheInvalidation;
  now?: () => number;
}): LimitsCache {
  const { db, defaults } = options;
  const cache = createCache<OrgLimitValues | BotLimitValues | null>({
    name: "limits",
    ttlMs: LIMITS_CACHE_TTL_MS,
    maxEntries: MAX_ENTRIES,
    covers: coversOrg,
    invalidation: options.invalidation,
    now: options.now,
  });

  const org = (orgId: string) =>
    cache.get(orgScopedKey(orgId, ""), async () => {
      const [row] = await orgOverridesQuery(db, orgId);
      return mergeLimits(defaults, row, ORG_LIMIT_FIELDS);
    });

  return {
    org,
    bot(orgId, botId) {
      return cache.get(orgScopedKey(orgId, botId), async () => {
        const [row] = await db
          .select({
            botRequestsPerMinute: botLimits.botRequestsPerMinute,
            botMessagesPerDay: botLimits.botMessagesPerDay,
          })
          .from(bots)
          .leftJoin(botLimits, eq(botLimits.botId, bots.id))
          .where(and(eq(bots.id, botId), eq(bots.orgId, orgId), isNull(bots.deletedAt)))
          .limit(1);
        if (!row) return null;
        const orgValues = await org(orgId);
        return mergeLimits(
          {
            botRequestsPerMinute: orgValues.botRequestsPerMinute,
            botMessagesPerDay: orgValues.botMessagesPerDay,
          },
          row,
          BOT_LIMIT_FIELDS,
        );
      });
    },
    invalidate: (orgId) => cache.invalidate(orgId),
  };
}
