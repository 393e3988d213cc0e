import type { Redis } from "ioredis";
import { Counter, Registry } from "prom-client";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  blockSeconds?: number;
}

export interface LimitState {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

/** A counter limit that is global across processes with Redis and per-process without. */
export interface Limiter {
  readonly points: number;
  /** Counts one hit and reports whether it was within the limit. */
  consume(key: string, points?: number): Promise<LimitState>;
  /** Reports the state without counting. */
  peek(key: string): Promise<LimitState>;
  reset(key: string): Promise<void>;
}

export function createLimiter(options: LimiterOptions, redis?: Redis): Limiter {
  const base = {
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds ?? 0,
  };
  const limiter = redis
    ? new RateLimiterRedis({
        ...base,
        storeClient: redis,
        // If Redis is unreachable, keep limiting in process rather than failing open or closed — at
        // once, rather than after ioredis has retried the queued command.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(base),
      })
    : new RateLimiterMemory(base);

  const toState = (res: RateLimiterRes | null, allowed: boolean): LimitState => ({
    allowed,
    remaining: res ? Math.max(0, res.remainingPoints) : options.points,
    retryAfterSeconds: res && !allowed ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0,
  });

  return {
    points: options.points,
    async consume(key, points = 1) {
      try {
        return toState(await limiter.consume(key, points), true);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return toState(rejection, false);
        throw rejection;
      }
    },
    async peek(key) {
      const res = await limiter.get(key);
      const blocked = res !== null && res.remainingPoints <= 0 && res.msBeforeNext > 0;
      return toState(res, !blocked);
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

/** One counter to bump: the key of one window (e.g. a minute or a UTC day) and the seconds it has left. */
export interface CounterHit {
  key: string;
  /** Seconds until the key's window ends; the counter is dropped then. */
  ttlSeconds: number;
}

export interface CounterReading {
  /** Points counted in the current window, this hit included. */
  count: number;
  /** Milliseconds until the window's counter expires. */
  msUntilReset: number;
}

/**
 * Plain windowed counters shared by every process through Redis (per process without it). Limits are
 * not stored here: callers compare the counts with limits that differ per org and bot and change at
 * run time. Each hit is one atomic INCRBY, so concurrent processes never let more through than the
 * limit; the hits of a call (and of the calls made at the same moment) go in one script and one round trip.
 */
export interface Counters {
  /** Adds `points` to every counter at once and returns each count. */
  add(hits: readonly CounterHit[], points?: number): Promise<CounterReading[]>;
  /** Takes `points` back from counters just added to (a refused request counts nothing). */
  subtract(hits: readonly CounterHit[], points?: number): Promise<void>;
  /** Current counts without counting; null for a counter that does not exist (zero). */
  read(keys: readonly string[]): Promise<(CounterReading | null)[]>;
}

/** The library limiter never refuses: the counts are compared with the caller's own limits. */
const UNBOUNDED = 2 ** 31 - 1;

/**
 * Increments many counters in one script. Keys name their window (callers put the minute or the day in
 * the key), so the TTL only clears finished windows: it is set when a window's first hit creates the
 * counter. ARGV holds, per key, its points then its TTL in seconds; returns each key's count. A key may
 * appear more than once (two requests of one API key): each INCRBY sees the one before.
 */
const COUNT_HITS_LUA = `
local out = {}
for index, key in ipairs(KEYS) do
  local points = tonumber(ARGV[index * 2 - 1])
  local count = redis.call('incrby', key, points)
  if count == points then redis.call('expire', key, ARGV[index * 2]) end
  out[index] = count
end
return out`;

interface CountingClient {
  kyroCountHits(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
}

interface PendingAdd {
  hits: readonly CounterHit[];
  points: number;
  resolve(readings: CounterReading[]): void;
  reject(error: unknown): void;
}

export function createCounters(options: { keyPrefix: string }, redis?: Redis): Counters {
  const base = { keyPrefix: options.keyPrefix, points: UNBOUNDED, duration: 60 };
  const insurance = new RateLimiterMemory(base);
  const limiter = redis
    ? new RateLimiterRedis({
        ...base,
        storeClient: redis,
        // While Redis is unreachable, count in process at once instead of queueing commands until
        // ioredis gives up: requests keep being served and limited.
        rejectIfRedisNotReady: true,
        insuranceLimiter: insurance,
      })
    : insurance;
  redis?.defineCommand("kyroCountHits", { lua: COUNT_HITS_LUA });
  const reading = (res: RateLimiterRes): CounterReading => ({
    count: res.consumedPoints,
    msUntilReset: Math.max(0, res.msBeforeNext),
  });
  const addInProcess = async (hits: readonly CounterHit[], points: number) => {
    const results = await Promise.all(
      hits.map((hit) => insurance.consume(hit.key, points, { customDuration: hit.ttlSeconds })),
    );
    return results.map(reading);
  };
  /**
   * The hits of every request that reaches the limits in one turn of the event loop go to Redis as
   * one script call: under load that is one write and one reply for many requests, not one each.
   */
  let queue: PendingAdd[] = [];
  const sendQueued = () => {
    const batch = queue;
    queue = [];
    const keys: string[] = [];
    const args: number[] = [];
    for (const pending of batch) {
      for (const hit of pending.hits) {
        keys.push(limiter.getKey(hit.key));
        args.push(pending.points, hit.ttlSeconds);
      }
    }
    (redis as unknown as CountingClient).kyroCountHits(keys.length, ...keys, ...args).then(
      (counts) => {
        let index = 0;
        for (const pending of batch) {
          pending.resolve(
            pending.hits.map((hit) => ({
              count: Number(counts[index++]),
              msUntilReset: hit.ttlSeconds * 1000,
            })),
          );
        }
      },
      () => {
        // The same fallback as the library's insurance limiter: Redis failed, count in process.
        for (const pending of batch)
          addInProcess(pending.hits, pending.points).then(pending.resolve, pending.reject);
      },
    );
  };
  return {
    add(hits, points = 1) {
      // Like the library's `rejectIfRedisNotReady`: while Redis is unreachable, count in process at
      // once rather than queue the command until ioredis gives up.
      if (redis?.status !== "ready") return addInProcess(hits, points);
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(sendQueued);
        queue.push({ hits, points, resolve, reject });
      });
    },
    async subtract(hits, points = 1) {
      await Promise.all(
        hits.map((hit) => limiter.reward(hit.key, points, { customDuration: hit.ttlSeconds })),
      );
    },
    async read(keys) {
      const results = await Promise.all(keys.map((key) => limiter.get(key)));
      return results.map((res) => (res ? reading(res) : null));
    },
  };
}

export interface LimitMetrics {
  /** Its own registry; the server appends it to /metrics. */
  registry: Registry;
  rateLimited(dimension: string): void;
  quotaExceeded(quota: string): void;
}

export function createLimitMetrics(): LimitMetrics {
  const registry = new Registry();
  const rateBlocks = new Counter({
    name: "kyro_rate_limit_blocks_total",
    help: "Calls refused by a rate limit, by dimension (ip, key, user, org, bot, conversation)",
    labelNames: ["dimension"] as const,
    registers: [registry],
  });
  const quotaBlocks = new Counter({
    name: "kyro_quota_blocks_total",
    help: "Calls refused by a daily quota, by quota",
    labelNames: ["quota"] as const,
    registers: [registry],
  });
  return {
    registry,
    rateLimited: (dimension) => rateBlocks.inc({ dimension }),
    quotaExceeded: (quota) => quotaBlocks.inc({ quota }),
  };
}
