import { type Executor, newId, sql, type UsageActorKind } from "@kyro/db";
import type { Logger } from "@kyro/platform";

export interface UsageDelta {
  requests?: number;
  messages?: number;
}

/** Who made the usage: a member (user id) or an API key (key id). */
export interface UsageActor {
  kind: UsageActorKind;
  id: string;
}

export interface UsageRollup {
  /**
   * Adds to the in-process totals of an org (and bot) for a UTC day, and of the actor when there is
   * one; nothing is written yet.
   */
  add(orgId: string, botId: string | null, day: string, delta: UsageDelta, actor?: UsageActor | null): void;
  /** Writes every pending total as one batched upsert of increments. */
  flush(): Promise<void>;
  /** Stops the timer after a final flush. */
  dispose(): Promise<void>;
}

interface Counts {
  requests: number;
  messages: number;
}
interface Pending extends Counts {
  orgId: string;
  botId: string | null;
  day: string;
}
interface PendingActor extends Counts {
  orgId: string;
  day: string;
  actor: UsageActor;
}

/** The row for `key`, created at zero the first time, with `delta` added. */
function addTo<Row extends Counts>(rows: Map<string, Row>, key: string, fresh: () => Row, delta: UsageDelta) {
  let row = rows.get(key);
  if (!row) {
    row = fresh();
    rows.set(key, row);
  }
  row.requests += delta.requests ?? 0;
  row.messages += delta.messages ?? 0;
}

/** Puts a failed batch's totals back, merged with what arrived meanwhile, for the next flush. */
function restore<Row extends Counts>(pending: Map<string, Row>, batch: Map<string, Row>) {
  for (const [key, row] of batch) addTo(pending, key, () => ({ ...row, requests: 0, messages: 0 }), row);
}

const inKeyOrder = <Row>(batch: Map<string, Row>): Row[] =>
  [...batch.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);

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
  let pendingActors = new Map<string, PendingActor>();

  async function writeActors(batch: PendingActor[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = batch.map(
      (row) =>
        sql`(${newId()}::uuid, ${row.orgId}::uuid, ${row.day}::date, ${row.actor.kind}, ${row.actor.id}::uuid, ${row.requests}::bigint, ${row.messages}::bigint)`,
    );
    await db.execute(sql`
      insert into usage_daily_actors (id, org_id, day, actor_kind, actor_id, requests, messages)
      select used.id, used.org_id, used.day, used.actor_kind, used.actor_id, used.requests, used.messages
      from (values ${sql.join(rows, sql`, `)}) as used(id, org_id, day, actor_kind, actor_id, requests, messages)
      where exists (select 1 from organizations where organizations.id = used.org_id)
      on conflict (org_id, day, actor_kind, actor_id) do update set
        requests = usage_daily_actors.requests + excluded.requests,
        messages = usage_daily_actors.messages + excluded.messages,
        updated_at = now()`);
  }

  async function write(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
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
    if (pending.size === 0 && pendingActors.size === 0) return;
    const batch = pending;
    const actorBatch = pendingActors;
    pending = new Map();
    pendingActors = new Map();
    // One statement per table, so a failure leaves the other's totals written and only its own to retry.
    const [daily, actors] = await Promise.allSettled([
      write(inKeyOrder(batch)),
      writeActors(inKeyOrder(actorBatch)),
    ]);
    if (daily.status === "rejected") restore(pending, batch);
    if (actors.status === "rejected") restore(pendingActors, actorBatch);
    if (daily.status === "rejected") throw daily.reason;
    if (actors.status === "rejected") throw actors.reason;
  }

  const timer = setInterval(() => {
    flush().catch((error: unknown) => logger.warn({ err: error }, "usage flush failed; retrying later"));
  }, options.intervalMs ?? USAGE_FLUSH_INTERVAL_MS);
  timer.unref();

  let disposed: Promise<void> | undefined;
  return {
    add(orgId, botId, day, delta, actor) {
      addTo(
        pending,
        `${orgId}|${botId ?? ""}|${day}`,
        () => ({ orgId, botId, day, requests: 0, messages: 0 }),
        delta,
      );
      if (!actor) return;
      addTo(
        pendingActors,
        `${orgId}|${day}|${actor.kind}|${actor.id}`,
        () => ({ orgId, day, actor, requests: 0, messages: 0 }),
        delta,
      );
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
