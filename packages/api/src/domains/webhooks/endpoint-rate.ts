import { createLimiter, type Limiter } from "@kyro/platform";
import type { AppDeps } from "../../core/deps";

const limiters = new WeakMap<AppDeps, Map<number, Limiter>>();

/** One limiter per distinct rate; the key is the endpoint, so the budget is per endpoint (global with Redis). */
export function endpointRateLimiter(deps: AppDeps, perSecond: number): Limiter {
  let byRate = limiters.get(deps);
  if (!byRate) {
    byRate = new Map();
    limiters.set(deps, byRate);
  }
  let limiter = byRate.get(perSecond);
  if (!limiter) {
    limiter = createLimiter(
      {
        keyPrefix: `${deps.redisKeyPrefix}:webhook-rate:${perSecond}`,
        points: perSecond,
        durationSeconds: 1,
      },
      deps.redis,
    );
    byRate.set(perSecond, limiter);
  }
  return limiter;
}
