import { type Executor, newId, sql } from "@kyro/db";
import type { Logger } from "@kyro/platform";

export interface UsageDelta {
  requests?: number;
  messages?: number;
}

export interface UsageRollup {
  /** Adds to the in-process totals of an org (and bot) for a UTC day; nothing is written yet. */
  add(orgId: string, botId: string | null, day: string, delta: UsageDelta): void;
  /** Writes every pending total as one batched upsert of increments. */
  flush(): Promise<void>;
  /** Stops the timer after a final flush. */
  dispose(): Promise<void>;
}

interface Pending {
  orgId: string;
  botId: string | null;
  day: string;
  requests: number;
  messages: number;
}

export const USAGE_FLUSH_INTERVAL_MS = 10_000;

/**
 * Usage is for analytics, so it is counted in memory and written in batches. Each flush adds its
 * increments to the stored rows (`requests = requests + n`), so any number of processes can flush the
 * same rows; rows go in a fixed order so concurrent flushes cannot deadlock. Rows of an org deleted
 * meanwhile are skipped rather than failing the batch.
 */
export function createUsageRollup(options: {
  db: Executor;
  logger: Logger;
  intervalMs?: number;
}): UsageRollup {
  const { db, logger } = options;
  let pending = new Map<string, Pending>();

  async function write(batch: Pending[]): Promise<void> {
    const rows = batch.map(
      (row) =>
        sql`(${newId()}::uuid, ${row.orgId}::uuid, ${row.botId}::uuid, ${row.day}::date, ${row.requests}::bigint, ${row.messages}::bigint)`,
    );
    await db.execute(sql`
      insert into usage_daily (id, org_id, bot_id, day, requests, messages)
      select used.id, used.org_id, used.bot_id, used.day, used.requests, used.messages
      from (values ${sql.join(rows, sql`, `)}) as used(id, org_id, bot_id, day, requests, messages)
      where exists (select 1 from organizations where organizations.id = used.org_id)
      on conflict (org_id, bot_id, day) do update set
        requests = usage_daily.requests + excluded.requests,
        messages = usage_daily.messages + excluded.messages,
        updated_at = now()`);
  }

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const sorted = [...batch.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
    try {
      await write(sorted);
    } catch (error) {
      // Put the totals back (merged with what arrived meanwhile) for the next flush.
      for (const [key, row] of batch) {
        const current = pending.get(key);
        if (current) {
          current.requests += row.requests;
          current.messages += row.messages;
        } else pending.set(key, row);
      }
      throw error;
    }
  }

  const timer = setInterval(() => {
    flush().catch((error: unknown) => logger.warn({ err: error }, "usage flush failed; retrying later"));
  }, options.intervalMs ?? USAGE_FLUSH_INTERVAL_MS);
  timer.unref();

  let disposed: Promise<void> | undefined;
  return {
    add(orgId, botId, day, delta) {
      const key = `${orgId}|${botId ?? ""}|${day}`;
      let row = pending.get(key);
      if (!row) {
        row = { orgId, botId, day, requests: 0, messages: 0 };
        pending.set(key, row);
      }
      row.requests += delta.requests ?? 0;
      row.messages += delta.messages ?? 0;
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
