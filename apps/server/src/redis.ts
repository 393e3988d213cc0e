import { createRedis, type Logger, type Redis } from "@kyro/platform";

/**
 * Connects in the background; ioredis keeps retrying, and /health/ready reports the state. Errors
 * are logged once per outage rather than on every reconnect attempt.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = createRedis(url);
  let failing = false;
  redis.on("error", (error: Error) => {
    if (failing) return;
    failing = true;
    logger.warn({ err: error }, "Redis unavailable; retrying");
  });
  redis.on("ready", () => {
    if (failing) logger.info("Redis connection restored");
    failing = false;
  });
  return redis;
}

export async function closeRedis(redis: Redis): Promise<void> {
  // QUIT waits for a reply, which a Redis that is down never sends.
  if (redis.status === "ready") await redis.quit();
  else redis.disconnect();
}
