import { botLimits, bots, type Executor, orgLimits } from "@kyro/db";
import type { Logger, Redis } from "@kyro/platform";
import { and, eq, isNull } from "drizzle-orm";
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
  dispose(): void;
}

interface Entry<T> {
  value: Promise<T>;
  until: number;
}

export const LIMITS_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 20_000;

/**
 * Effective limits are read on every request, so they are cached in process (a short TTL bounds
 * staleness) and dropped on change over Redis pub/sub, as the API-key verifier does. A miss costs one
 * indexed query; concurrent misses share it.
 */
export function createLimitsCache(options: {
  db: Executor;
  defaults: OrgLimitValues;
  logger: Logger;
  redis?: Redis;
  invalidationChannel: string;
  now?: () => number;
}): LimitsCache {
  const { db, defaults, logger, redis, invalidationChannel } = options;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry<unknown>>();
  let generation = 0;

  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const at = now();
    const hit = entries.get(key);
    if (hit && hit.until > at) return hit.value as Promise<T>;
    const started = generation;
    const value = load();
    if (entries.size >= MAX_ENTRIES) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.delete(key);
    entries.set(key, { value, until: at + LIMITS_CACHE_TTL_MS });
    // A failed load is not kept; nor one that an invalidation overtook.
    value.then(
      () => {
        if (generation !== started && entries.get(key)?.value === value) entries.delete(key);
      },
      () => {
        if (entries.get(key)?.value === value) entries.delete(key);
      },
    );
    return value;
  }

  const drop = (orgId: string) => {
    generation++;
    for (const key of entries.keys()) if (key.startsWith(orgId)) entries.delete(key);
  };

  const subscriber = redis?.duplicate();
  if (subscriber) {
    subscriber.on("error", (error: unknown) => logger.warn({ err: error }, "limits invalidation subscriber"));
    subscriber.on("message", (channel: string, orgId: string) => {
      if (channel === invalidationChannel) drop(orgId);
    });
    subscriber.subscribe(invalidationChannel).catch((error: unknown) => {
      logger.error({ err: error }, "limits invalidation subscribe failed");
    });
  }

  const org = (orgId: string) =>
    cached(orgId, async () => {
      const [row] = await orgOverridesQuery(db, orgId);
      return mergeLimits(defaults, row, ORG_LIMIT_FIELDS);
    });

  return {
    org,
    bot(orgId, botId) {
      return cached(`${orgId}:${botId}`, async () => {
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
    async invalidate(orgId) {
      drop(orgId);
      if (!redis) return;
      try {
        await redis.publish(invalidationChannel, orgId);
      } catch (error) {
        logger.error(
          { err: error, orgId },
          "limits invalidation publish failed; other processes catch up by TTL",
        );
      }
    },
    dispose() {
      subscriber?.disconnect();
    },
  };
}
