import { randomUUID } from "node:crypto";
import type { Logger, Redis } from "@kyro/platform";

/**
 * The one Redis pub/sub channel every in-process cache is invalidated over. A change drops its cache
 * entries in the process that made it at once (the cache does that itself) and publishes here; every
 * other process drops them when the message arrives. Caches keep a short TTL, which bounds staleness
 * while Redis is down and a message is lost. One subscriber connection per process serves all caches.
 */
export interface CacheInvalidation {
  /** Runs `drop(topic)` whenever another process publishes `topic` for the cache named `cache`. */
  subscribe(cache: string, drop: (topic: string) => void): void;
  /** Tells every other process to drop what `topic` names from the cache named `cache`. */
  publish(cache: string, topic: string): Promise<void>;
  dispose(): void;
}

/** A message: who sent it (so a process skips its own), which cache, and what to drop. */
type Message = [origin: string, cache: string, topic: string];

function parse(text: string): Message | null {
  try {
    const message: unknown = JSON.parse(text);
    return Array.isArray(message) && message.length === 3 && message.every((part) => typeof part === "string")
      ? (message as Message)
      : null;
  } catch {
    return null;
  }
}

/** Without Redis (one process, embedded), publishing has nobody to reach: the local drop is all there is. */
export function createCacheInvalidation(options: {
  redis?: Redis;
  channel: string;
  logger: Logger;
}): CacheInvalidation {
  const { redis, channel, logger } = options;
  const origin = randomUUID();
  const handlers = new Map<string, ((topic: string) => void)[]>();
  const subscriber = redis?.duplicate();
  if (subscriber) {
    subscriber.on("error", (error: unknown) => logger.warn({ err: error }, "cache invalidation subscriber"));
    subscriber.on("message", (from: string, text: string) => {
      const message = from === channel ? parse(text) : null;
      if (!message || message[0] === origin) return;
      for (const drop of handlers.get(message[1]) ?? []) drop(message[2]);
    });
    subscriber.subscribe(channel).catch((error: unknown) => {
      logger.error({ err: error }, "cache invalidation subscribe failed");
    });
  }
  return {
    subscribe(cache, drop) {
      handlers.set(cache, [...(handlers.get(cache) ?? []), drop]);
    },
    async publish(cache, topic) {
      if (!redis) return;
      try {
        await redis.publish(channel, JSON.stringify([origin, cache, topic] satisfies Message));
      } catch (error) {
        logger.error(
          { err: error, cache },
          "cache invalidation publish failed; other processes catch up by TTL",
        );
      }
    },
    dispose() {
      subscriber?.disconnect();
    },
  };
}
