import { randomBytes } from "node:crypto";
import { createLogger, createRedis } from "@kyro/platform";
import { afterAll, describe, expect, inject, it } from "vitest";
import { coversOrg, createCache, orgScopedKey } from "../../src/core/cache";
import { type CacheInvalidation, createCacheInvalidation } from "../../src/core/cache-invalidation";

const silent = createLogger({ level: "silent" });
const disposals: (() => void)[] = [];
afterAll(() => {
  for (const dispose of disposals) dispose();
});

function cacheAt(
  options: {
    ttlMs?: number;
    maxEntries?: number;
    ttlOf?: (value: string) => number;
    invalidation?: CacheInvalidation;
  } = {},
) {
  let now = 1_000;
  const cache = createCache<string>({
    name: "test",
    ttlMs: options.ttlMs ?? 1_000,
    ttlOf: options.ttlOf,
    maxEntries: options.maxEntries ?? 100,
    covers: coversOrg,
    invalidation: options.invalidation,
    now: () => now,
  });
  let loads = 0;
  const load = (value: string) => () => {
    loads++;
    return Promise.resolve(value);
  };
  return {
    cache,
    load,
    loads: () => loads,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const key = orgScopedKey;

describe("createCache", () => {
  it("serves a value until its TTL has passed, and shares one load between concurrent misses", async () => {
    const { cache, load, loads, advance } = cacheAt();
    const [first, second] = await Promise.all([
      cache.get(key("org-a", "k"), load("v1")),
      cache.get(key("org-a", "k"), load("other")),
    ]);
    expect([first, second, loads()]).toEqual(["v1", "v1", 1]);
    advance(1_000);
    expect(await cache.get(key("org-a", "k"), load("v2"))).toBe("v1");
    advance(1);
    expect(await cache.get(key("org-a", "k"), load("v2"))).toBe("v2");
    expect(loads()).toBe(2);
  });

  it("keeps a value for its own TTL when the cache gives one, and nothing for a TTL of 0", async () => {
    const { cache, load, loads, advance } = cacheAt({ ttlOf: (value) => (value === "short" ? 10 : 0) });
    await cache.get(key("org-a", "s"), load("short"));
    expect(await cache.get(key("org-a", "s"), load("again"))).toBe("short");
    advance(11);
    expect(await cache.get(key("org-a", "s"), load("later"))).toBe("later");
    expect(await cache.get(key("org-a", "s"), load("later again"))).toBe("later again");
    expect(loads()).toBe(3);
  });

  it("drops only the entries an invalidation covers: here, the org's", async () => {
    const { cache, load } = cacheAt();
    await cache.get(key("org-a", "k"), load("a1"));
    await cache.get(key("org-a", "j"), load("a1"));
    await cache.get(key("org-ab", "k"), load("ab1"));
    await cache.invalidate("org-a");
    expect(await cache.get(key("org-a", "k"), load("a2"))).toBe("a2");
    expect(await cache.get(key("org-a", "j"), load("a2"))).toBe("a2");
    expect(await cache.get(key("org-ab", "k"), load("ab2"))).toBe("ab1");
  });

  it("does not keep a load that an invalidation overtook, nor a failed one", async () => {
    const { cache, load } = cacheAt();
    let finish: (value: string) => void = () => {};
    const slow = cache.get(key("org-a", "k"), () => new Promise<string>((resolve) => (finish = resolve)));
    await cache.invalidate("org-b");
    finish("stale");
    expect(await slow).toBe("stale");
    expect(await cache.get(key("org-a", "k"), load("fresh"))).toBe("fresh");

    const failing = cache.get(key("org-a", "broken"), () => Promise.reject(new Error("down")));
    await expect(failing).rejects.toThrow("down");
    expect(await cache.get(key("org-a", "broken"), load("recovered"))).toBe("recovered");
  });

  it("stays within its size by dropping the least recently used entry", async () => {
    const { cache, load, loads } = cacheAt({ maxEntries: 2 });
    await cache.get(key("org-a", "k"), load("a"));
    await cache.get(key("org-b", "k"), load("b"));
    await cache.get(key("org-a", "k"), load("a-again"));
    await cache.get(key("org-c", "k"), load("c"));
    expect(await cache.get(key("org-a", "k"), load("a2"))).toBe("a");
    expect(await cache.get(key("org-b", "k"), load("b2"))).toBe("b2");
    expect(loads()).toBe(4);
  });
});

describe("createCacheInvalidation", () => {
  it("without Redis, drops locally and publishes nowhere", async () => {
    const invalidation = createCacheInvalidation({ channel: "unused", logger: silent });
    const { cache, load } = cacheAt({ invalidation });
    await cache.get(key("org-a", "k"), load("a1"));
    await cache.invalidate("org-a");
    expect(await cache.get(key("org-a", "k"), load("a2"))).toBe("a2");
  });

  const redisUrl = inject("redisUrl");
  it.skipIf(!redisUrl)(
    "carries an invalidation to the same cache in another process over one channel",
    async () => {
      const channel = `kyro-test:${randomBytes(4).toString("hex")}:cache:invalidate`;
      // Two processes' worth of everything: their own Redis connections, invalidations and caches.
      const sides = [0, 1].map(() => {
        const redis = createRedis(redisUrl as string);
        const invalidation = createCacheInvalidation({ redis, channel, logger: silent });
        disposals.push(() => {
          invalidation.dispose();
          redis.disconnect();
        });
        return { invalidation, limits: cacheAt({ invalidation }) };
      });
      const [here, there] = sides as [(typeof sides)[0], (typeof sides)[0]];
      // The second cache of each side has another name, so an invalidation of "test" must not reach it.
      const renamed = (side: typeof here) =>
        createCache<string>({
          name: "other",
          ttlMs: 60_000,
          maxEntries: 10,
          covers: coversOrg,
          invalidation: side.invalidation,
        });
      const otherThere = renamed(there);
      await there.limits.cache.get(key("org-a", "k"), there.limits.load("old"));
      await there.limits.cache.get(key("org-b", "k"), there.limits.load("kept"));
      await otherThere.get(key("org-a", "k"), () => Promise.resolve("untouched"));
      // Give the subscriber connections a moment to subscribe before publishing.
      await expect.poll(async () => (await subscriberCount(redisUrl as string, channel)) >= 2).toBe(true);

      await here.limits.cache.invalidate("org-a");
      await expect
        .poll(() => there.limits.cache.get(key("org-a", "k"), there.limits.load("new")), { timeout: 2_000 })
        .toBe("new");
      expect(await there.limits.cache.get(key("org-b", "k"), there.limits.load("dropped"))).toBe("kept");
      expect(await otherThere.get(key("org-a", "k"), () => Promise.resolve("reloaded"))).toBe("untouched");
    },
  );
});

/** How many connections are subscribed to `channel` (PUBSUB NUMSUB). */
async function subscriberCount(url: string, channel: string): Promise<number> {
  const redis = createRedis(url);
  try {
    const [, count] = (await redis.pubsub("NUMSUB", channel)) as [string, number];
    return Number(count);
  } finally {
    redis.disconnect();
  }
}
