import { Redis } from "ioredis";

export type { Redis };

export function createRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // Commands issued in the same event-loop turn (the limit checks of concurrent requests, say) go out
    // in one write: one socket write per turn instead of one per command.
    enableAutoPipelining: true,
  });
}
