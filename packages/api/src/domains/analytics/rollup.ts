import { type Executor, rowsOf, type SQL, sql } from "@kyro/db";
import { recompute } from "./recompute";

/**
 * Rollup upkeep. Triggers on the source tables append the buckets each statement touches, each once,
 * to `analytics_dirty` (migration 0014); `drainOrg` recomputes those buckets from the source rows. A
 * job drains every minute and a read drains its org first, so answers include the latest writes.
 *
 * Why a job and not the writing transaction: recomputing a bucket reads every conversation and message
 * in it, which is too slow for the widget's message round trip (the ≤5% budget); the trigger's one
 * append is not. Why recompute instead of increment: late and backfilled rows, deletions and
 * conversation state changes (resolved, escalated, a visitor's return ending a durable resolution)
 * all land correctly in the bucket they belong to, and a recomputed bucket equals a from-scratch one.
 *
 * Marks are deleted, then their buckets recomputed, in one transaction: a statement in read committed
 * sees every write committed before it, which includes every write whose mark it deleted; a mark of a
 * transaction still open is invisible, so it stays for the next drain. A per-org advisory lock keeps
 * two drains of one org from interleaving their delete-and-insert of the same reasons.
 */

const KEY_CHUNK = 1000;

interface BucketKey {
  bot_id: string;
  bucket: string;
}

const lockOrg = (tx: Executor, orgId: string) =>
  tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`analytics:${orgId}`}, 0))`);

/** Recomputes the org's marked buckets; answers how many buckets it rewrote. */
export async function drainOrg(db: Executor, orgId: string): Promise<number> {
  return db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const marked = rowsOf<BucketKey>(
      await tx.execute(sql`
        delete from analytics_dirty where org_id = ${orgId}::uuid
        returning bot_id::text as bot_id, to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as bucket`),
    );
    const keys = [...new Map(marked.map((key) => [`${key.bot_id}|${key.bucket}`, key])).values()];
    for (let start = 0; start < keys.length; start += KEY_CHUNK) {
      const values = keys
        .slice(start, start + KEY_CHUNK)
        .map((key) => sql`(${orgId}::uuid, ${key.bot_id}::uuid, ${key.bucket}::timestamptz)`);
      await recompute(
        tx,
        orgId,
        sql`select * from (values ${sql.join(values, sql`, `)}) as v(org_id, bot_id, bucket)`,
      );
    }
    return keys.length;
  });
}

/** Every org with marks, drained one after another (the scheduled job). */
export async function drainAll(db: Executor): Promise<number> {
  const orgs = rowsOf<{ org_id: string }>(
    await db.execute(sql`select distinct org_id::text as org_id from analytics_dirty`),
  );
  let buckets = 0;
  for (const { org_id } of orgs) buckets += await drainOrg(db, org_id);
  return buckets;
}

/**
 * Throws away the org's rollups (or every org's) and recomputes them from the source tables: after a
 * restore, a change of definitions, or to check the upkeep (`analytics:rebuild`).
 */
export async function rebuild(db: Executor, orgId: string | null): Promise<void> {
  const orgs =
    orgId === null
      ? rowsOf<{ id: string }>(await db.execute(sql`select id::text as id from organizations`)).map(
          (o) => o.id,
        )
      : [orgId];
  for (const org of orgs) {
    await db.transaction(async (tx) => {
      await lockOrg(tx, org);
      await tx.execute(sql`delete from analytics_dirty where org_id = ${org}::uuid`);
      await tx.execute(sql`delete from analytics_buckets where org_id = ${org}::uuid`);
      await tx.execute(sql`delete from analytics_reasons where org_id = ${org}::uuid`);
      await recompute(tx, org, allBucketsOf(org));
    });
  }
  // The rollups were just rewritten wholesale: without fresh statistics the planner takes them for
  // the size they had before (often empty) and plans reads for one row (a disk sort of ~26k rows for
  // a 90-day report, until autovacuum's analyze comes round).
  await db.execute(sql`analyze analytics_buckets, analytics_reasons`);
}

/** Every bucket the org's source rows fall in. */
function allBucketsOf(orgId: string): SQL {
  const of = (table: string) =>
    sql`select org_id, bot_id, analytics_bucket(created_at) from ${sql.raw(table)} where org_id = ${orgId}::uuid and bot_id is not null`;
  return sql.join(
    ["conversations", "messages", "feedback", "leads", "escalation_tickets", "usage_events"].map(of),
    sql` union `,
  );
}
