import { createLogger } from "@kyro/platform";
import { describe, expect, it } from "vitest";
import { createOrgCache } from "../../src/core/org-cache";

function cacheAt(options: { ttlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000;
  const cache = createOrgCache<string>({
    name: "test",
    ttlMs: options.ttlMs ?? 1_000,
    maxEntries: options.maxEntries ?? 100,
    logger: createLogger({ level: "silent" }),
    invalidationChannel: "unused",
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

describe("createOrgCache", () => {
  it("serves a value until its TTL ends, and shares one load between concurrent misses", async () => {
    const { cache, load, loads, advance } = cacheAt();
    const [first, second] = await Promise.all([
      cache.get("org-a", "k", load("v1")),
      cache.get("org-a", "k", load("other")),
    ]);
    expect([first, second, loads()]).toEqual(["v1", "v1", 1]);
    advance(999);
    expect(await cache.get("org-a", "k", load("v2"))).toBe("v1");
    advance(1);
    expect(await cache.get("org-a", "k", load("v2"))).toBe("v2");
    expect(loads()).toBe(2);
  });

  it("drops only the invalidated org's entries", async () => {
    const { cache, load } = cacheAt();
    await cache.get("org-a", "k", load("a1"));
    await cache.get("org-b", "k", load("b1"));
    await cache.invalidate("org-a");
    expect(await cache.get("org-a", "k", load("a2"))).toBe("a2");
    expect(await cache.get("org-b", "k", load("b2"))).toBe("b1");
  });

  it("does not keep a load that an invalidation overtook, nor a failed one", async () => {
    const { cache, load } = cacheAt();
    let finish: (value: string) => void = () => {};
    const slow = cache.get("org-a", "k", () => new Promise<string>((resolve) => (finish = resolve)));
    await cache.invalidate("org-a");
    finish("stale");
    expect(await slow).toBe("stale");
    expect(await cache.get("org-a", "k", load("fresh"))).toBe("fresh");

    await expect(cache.get("org-a", "broken", () => Promise.reject(new Error("down")))).rejects.toThrow();
    expect(await cache.get("org-a", "broken", load("recovered"))).toBe("recovered");
  });

  it("stays within its size by dropping the oldest org first", async () => {
    const { cache, load, loads } = cacheAt({ maxEntries: 2 });
    await cache.get("org-a", "k", load("a"));
    await cache.get("org-b", "k", load("b"));
    await cache.get("org-c", "k", load("c"));
    expect(await cache.get("org-b", "k", load("b2"))).toBe("b");
    expect(await cache.get("org-a", "k", load("a2"))).toBe("a2");
    expect(loads()).toBe(4);
  });
});
