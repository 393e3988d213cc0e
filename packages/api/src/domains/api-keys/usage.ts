import { apiKeys, type Executor, sql } from "@kyro/db";
import type { Logger } from "@kyro/platform";

export interface UsageRecorder {
  /** Notes a use in memory; nothing is written until the next flush. */
  record(keyId: string, at: Date): void;
  /** Writes every pending use in one statement. */
  flush(): Promise<void>;
  /** Stops the timer after a final flush. */
  dispose(): Promise<void>;
}

/**
 * `last_used_at` is informational, so it is written in batches — one UPDATE for all keys used since the
 * last flush, once a minute — instead of a write on every authenticated request.
 */
export function createUsageRecorder(options: {
  db: Executor;
  logger: Logger;
  intervalMs: number;
}): UsageRecorder {
  const { db, logger } = options;
  let pending = new Map<string, Date>();

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const rows = [...batch].map(([keyId, at]) => sql`(${keyId}::uuid, ${at.toISOString()}::timestamptz)`);
    try {
      // Several processes flush the same keys; a late flush must not move last_used_at backwards.
      await db.execute(sql`
        update ${apiKeys} set last_used_at = used.used_at
        from (values ${sql.join(rows, sql`, `)}) as used(key_id, used_at)
        where ${apiKeys.id} = used.key_id
          and (${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < used.used_at)`);
    } catch (error) {
      for (const [keyId, at] of batch) if (!pending.has(keyId)) pending.set(keyId, at);
      throw error;
    }
  }

  const timer = setInterval(() => {
    flush().catch((error: unknown) => logger.warn({ err: error }, "api key last-used flush failed"));
  }, options.intervalMs);
  timer.unref();

  let disposed: Promise<void> | undefined;
  return {
    record(keyId, at) {
      const known = pending.get(keyId);
      if (!known || known < at) pending.set(keyId, at);
    },
    flush,
    dispose() {
      disposed ??= (async () => {
        clearInterval(timer);
        await flush();
      })();
      return disposed;
    },
  };
}
