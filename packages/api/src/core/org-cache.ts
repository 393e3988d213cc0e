import type { Logger, Redis } from "@kyro/platform";

/**
 * Per-org values read on every request (effective limits, a widget's live bot and settings), cached in
 * process. A change drops the org's entries here at once and, with Redis, on every other process over
 * pub/sub; the TTL bounds staleness when a message is lost (Redis down). Concurrent misses share one
 * load, and a load that an invalidation overtook is not kept.
 *
 * Hand-written rather than lru-cache: entries must be dropped by org, and expiry must follow an
 * injectable clock (tests move time).
 */
export interface OrgCache<T> {
  /** One key must always load the same kind of value (the cache keeps what the first load returned). */
  get<V extends T>(orgId: string, key: string, load: () => Promise<V>): Promise<V>;
  /** Drops the org's entries here and publishes the drop to every other process. Call after the change commits. */
  invalidate(orgId: string): Promise<void>;
  dispose(): void;
}

export interface OrgCacheOptions {
  /** Names the cache in logs. */
  name: string;
  ttlMs: number;
  maxEntries: number;
  logger: Logger;
  redis?: Redis;
  invalidationChannel: string;
  now?: () => number;
}

interface Entry<T> {
  value: Promise<T>;
  until: number;
}

export function createOrgCache<T>(options: OrgCacheOptions): OrgCache<T> {
  const { name, ttlMs, maxEntries, logger, redis, invalidationChannel } = options;
  const now = options.now ?? Date.now;
  const orgs = new Map<string, Map<string, Entry<T>>>();
  let size = 0;
  let generation = 0;

  const remove = (orgId: string, key: string, value?: Promise<T>) => {
    const entries = orgs.get(orgId);
    const entry = entries?.get(key);
    if (!entries || !entry || (value && entry.value !== value)) return;
    entries.delete(key);
    size--;
    if (entries.size === 0) orgs.delete(orgId);
  };

  const drop = (orgId: string) => {
    generation++;
    size -= orgs.get(orgId)?.size ?? 0;
    orgs.delete(orgId);
  };

  /** Crude but bounded: the oldest org's entries go first when the cache is full. */
  const makeRoom = () => {
    if (size < maxEntries) return;
    const oldest = orgs.keys().next();
    if (!oldest.done) drop(oldest.value);
  };

  const subscriber = redis?.duplicate();
  if (subscriber) {
    subscriber.on("error", (error: unknown) =>
      logger.warn({ err: error, cache: name }, "cache invalidation subscriber"),
    );
    subscriber.on("message", (channel: string, orgId: string) => {
      if (channel === invalidationChannel) drop(orgId);
    });
    subscriber.subscribe(invalidationChannel).catch((error: unknown) => {
      logger.error({ err: error, cache: name }, "cache invalidation subscribe failed");
    });
  }

  return {
    get<V extends T>(orgId: string, key: string, load: () => Promise<V>): Promise<V> {
      const at = now();
      const hit = orgs.get(orgId)?.get(key);
      if (hit && hit.until > at) return hit.value as Promise<V>;
      if (hit) remove(orgId, key);
      makeRoom();
      const started = generation;
      const value = load();
      let entries = orgs.get(orgId);
      if (!entries) {
        entries = new Map();
        orgs.set(orgId, entries);
      }
      entries.set(key, { value, until: at + ttlMs });
      size++;
      value.then(
        () => {
          if (generation !== started) remove(orgId, key, value);
        },
        () => remove(orgId, key, value),
      );
      return value;
    },
    async invalidate(orgId) {
      drop(orgId);
      if (!redis) return;
      try {
        await redis.publish(invalidationChannel, orgId);
      } catch (error) {
        logger.error(
          { err: error, orgId, cache: name },
          "cache invalidation publish failed; other processes catch up by TTL",
        );
      }
    },
    dispose() {
      subscriber?.disconnect();
    },
  };
}
