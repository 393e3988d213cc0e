import { LRUCache } from "lru-cache";
import type { CacheInvalidation } from "./cache-invalidation";

/**
 * The in-process cache every hot lookup uses (API keys, live widgets and bots, effective limits,
 * verified widget tokens), on lru-cache: bounded, least recently used out first, entries expiring
 * after their TTL by an injectable clock (tests move time). Concurrent misses of one key share one
 * load; a failed load is not kept, nor one that an invalidation overtook (it may have read the state
 * from before the change).
 */
export interface Cache<V> {
  /** The cached value of `key`, else what `load` resolves to (kept for the cache's TTL). */
  get<T extends V>(key: string, load: () => Promise<T>): Promise<T>;
  /**
   * Drops the entries `topic` covers here and, over the invalidation channel, in every other process.
   * Call after the change commits: a read in between would cache the old state again.
   */
  invalidate(topic: string): Promise<void>;
}

export interface CacheOptions<V> {
  /** Names the cache on the invalidation channel; unique per process. */
  name: string;
  ttlMs: number;
  /** A value's own TTL, when it differs from `ttlMs` (a negative answer kept for less); 0 keeps nothing. */
  ttlOf?: (value: V) => number;
  maxEntries: number;
  /** Whether `invalidate(topic)` drops the entry of `key` holding `value` (undefined while it loads). */
  covers: (topic: string, key: string, value: V | undefined) => boolean;
  invalidation?: CacheInvalidation;
  now?: () => number;
}

interface Entry<V> {
  promise: Promise<V>;
  /** Set once the load resolves. */
  settled: { value: V } | null;
}

export function createCache<V>(options: CacheOptions<V>): Cache<V> {
  const { name, covers, invalidation, ttlOf } = options;
  const now = options.now ?? Date.now;
  const entries = new LRUCache<string, Entry<V>>({
    max: options.maxEntries,
    ttl: options.ttlMs,
    // Read the clock on every check: lru-cache otherwise keeps a reading for 1 ms, which a moved test clock skips.
    ttlResolution: 0,
    perf: { now },
  });
  // Bumped by every invalidation: a load that started before one must not be kept.
  let generation = 0;

  const drop = (topic: string) => {
    generation++;
    const doomed: string[] = [];
    for (const [key, entry] of entries.entries()) {
      if (covers(topic, key, entry.settled?.value)) doomed.push(key);
    }
    for (const key of doomed) entries.delete(key);
  };
  invalidation?.subscribe(name, drop);

  const forget = (key: string, entry: Entry<V>) => {
    if (entries.peek(key) === entry) entries.delete(key);
  };

  return {
    get<T extends V>(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit) return hit.promise as Promise<T>;
      const started = generation;
      const entry: Entry<V> = { promise: load(), settled: null };
      entries.set(key, entry);
      entry.promise.then(
        (value) => {
          if (entries.peek(key) !== entry) return;
          const ttl = ttlOf ? ttlOf(value) : options.ttlMs;
          if (generation !== started || ttl <= 0) return entries.delete(key);
          entry.settled = { value };
          if (ttlOf) entries.set(key, entry, { ttl });
        },
        () => forget(key, entry),
      );
      return entry.promise as Promise<T>;
    },
    async invalidate(topic) {
      drop(topic);
      await invalidation?.publish(name, topic);
    },
  };
}

/** Keys of per-org caches: the org first, so an org's entries are dropped together. */
export const orgScopedKey = (orgId: string, key: string) => `${orgId}/${key}`;

/** What a per-org cache's `invalidate(orgId)` drops: every entry of that org. */
export const coversOrg = (orgId: string, key: string) => key.startsWith(`${orgId}/`);
