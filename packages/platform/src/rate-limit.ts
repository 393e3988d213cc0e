import type { Redis } from "ioredis";
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
        // If Redis is unreachable, keep limiting in process rather than failing open or closed.
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
