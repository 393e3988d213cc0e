import { type Executor, type SQL, sql } from "@kyro/db";

/**
 * Rollup upkeep. Triggers on the source tables append the buckets each write touches to
 * `analytics_dirty` (migration 0009); `drainOrg` recomputes those buckets from the source rows. A job
 * drains every minute and a read drains its org first, so answers include the latest writes.
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

/** Raw query rows: postgres-js answers an array, PGlite an object with `rows`. */
export const rowsOf = <T>(result: unknown): T[] =>
  Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;

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
        sql`select * from (values ${sql.join(values, sql`, `)}) as v(org_id, bot_id, bucket)`,
      );
    }
    return keys.length;
  });
}

/** Whether the org has marks waiting (a read drains only then, and so takes no lock otherwise). */
export async function hasMarks(db: Executor, orgId: string): Promise<boolean> {
  const [row] = rowsOf<{ marked: boolean }>(
    await db.execute(
      sql`select exists (select 1 from analytics_dirty where org_id = ${orgId}::uuid) as marked`,
    ),
  );
  return row?.marked === true;
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
      await recompute(tx, allBucketsOf(org));
    });
  }
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

/** In a bucket: `alias.created_at` within the 15 minutes starting at `k.bucket`. */
const inBucket = (alias: string) =>
  sql.raw(
    `${alias}.org_id = k.org_id and ${alias}.bot_id = k.bot_id and ${alias}.created_at >= k.bucket and ${alias}.created_at < k.bucket + interval '15 minutes'`,
  );

/**
 * Rewrites the buckets `keys` selects (org_id, bot_id, bucket) from the source rows; the definitions are
 * those of docs/analytics.md. Keys of bots deleted meanwhile are dropped (their rows went with the bot).
 */
async function recompute(tx: Executor, keys: SQL): Promise<void> {
  await tx.execute(sql`
    with k as (
      select distinct keys.org_id, keys.bot_id, keys.bucket
      from (${keys}) as keys(org_id, bot_id, bucket)
      join bots on bots.id = keys.bot_id and bots.org_id = keys.org_id
    ),
    conv as (
      select k.org_id, k.bot_id, k.bucket,
        count(*) as conversations,
        coalesce(sum(m.n), 0) as conversation_messages,
        count(*) filter (where c.status = 'resolved' and c.escalated_at is null and c.assignee_id is null
          and not coalesce(m.has_agent, false)) as resolved_by_bot,
        count(*) filter (where c.status = 'resolved' and c.escalated_at is null and c.assignee_id is null
          and not coalesce(m.has_agent, false)
          and not exists (select 1 from conversations later where later.bot_id = c.bot_id
            and later.end_user_id = c.end_user_id and later.created_at > c.created_at
            and later.created_at <= c.resolved_at + interval '7 days')) as durably_resolved,
        count(*) filter (where c.escalated_at is not null) as escalated,
        count(r.first_reply) as first_responses,
        coalesce(sum(extract(epoch from r.first_reply - m.first_visitor) * 1000), 0)::bigint as first_response_ms_sum
      from k join conversations c on ${inBucket("c")}
      left join lateral (
        select count(*) as n, min(created_at) filter (where role = 'visitor') as first_visitor,
          bool_or(role = 'agent') as has_agent
        from messages where messages.conversation_id = c.id
      ) m on true
      left join lateral (
        select min(created_at) as first_reply from messages
        where messages.conversation_id = c.id and messages.role <> 'visitor' and messages.created_at >= m.first_visitor
      ) r on true
      group by 1, 2, 3
    ),
    msg as (select k.org_id, k.bot_id, k.bucket, count(*) as messages
      from k join messages e on ${inBucket("e")} group by 1, 2, 3),
    fb as (select k.org_id, k.bot_id, k.bucket, count(*) as feedback, count(*) filter (where e.helpful) as helpful
      from k join feedback e on ${inBucket("e")} group by 1, 2, 3),
    ld as (select k.org_id, k.bot_id, k.bucket, count(*) as leads
      from k join leads e on ${inBucket("e")} group by 1, 2, 3),
    tk as (select k.org_id, k.bot_id, k.bucket, count(*) as tickets
      from k join escalation_tickets e on ${inBucket("e")} group by 1, 2, 3),
    us as (select k.org_id, k.bot_id, k.bucket, sum(e.input_tokens) as input_tokens,
        sum(e.output_tokens) as output_tokens, sum(e.cost_micros) as cost_micros
      from k join usage_events e on ${inBucket("e")} group by 1, 2, 3)
    insert into analytics_buckets (org_id, bot_id, bucket, conversations, conversation_messages, resolved_by_bot,
      durably_resolved, escalated, first_responses, first_response_ms_sum, messages, feedback, helpful_feedback,
      leads, tickets, input_tokens, output_tokens, cost_micros)
    select k.org_id, k.bot_id, k.bucket, coalesce(conv.conversations, 0), coalesce(conv.conversation_messages, 0),
      coalesce(conv.resolved_by_bot, 0), coalesce(conv.durably_resolved, 0), coalesce(conv.escalated, 0),
      coalesce(conv.first_responses, 0), coalesce(conv.first_response_ms_sum, 0), coalesce(msg.messages, 0),
      coalesce(fb.feedback, 0), coalesce(fb.helpful, 0), coalesce(ld.leads, 0), coalesce(tk.tickets, 0),
      coalesce(us.input_tokens, 0), coalesce(us.output_tokens, 0), coalesce(us.cost_micros, 0)
    from k
    left join conv using (org_id, bot_id, bucket) left join msg using (org_id, bot_id, bucket)
    left join fb using (org_id, bot_id, bucket) left join ld using (org_id, bot_id, bucket)
    left join tk using (org_id, bot_id, bucket) left join us using (org_id, bot_id, bucket)
    on conflict (org_id, bucket, bot_id) do update set
      conversations = excluded.conversations, conversation_messages = excluded.conversation_messages,
      resolved_by_bot = excluded.resolved_by_bot, durably_resolved = excluded.durably_resolved,
      escalated = excluded.escalated, first_responses = excluded.first_responses,
      first_response_ms_sum = excluded.first_response_ms_sum, messages = excluded.messages,
      feedback = excluded.feedback, helpful_feedback = excluded.helpful_feedback, leads = excluded.leads,
      tickets = excluded.tickets, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
      cost_micros = excluded.cost_micros`);
  await tx.execute(sql`
    with k as (select distinct keys.org_id, keys.bot_id, keys.bucket from (${keys}) as keys(org_id, bot_id, bucket))
    delete from analytics_reasons r using k
    where r.org_id = k.org_id and r.bot_id = k.bot_id and r.bucket = k.bucket`);
  await tx.execute(sql`
    with k as (
      select distinct keys.org_id, keys.bot_id, keys.bucket
      from (${keys}) as keys(org_id, bot_id, bucket)
      join bots on bots.id = keys.bot_id and bots.org_id = keys.org_id
    )
    insert into analytics_reasons (org_id, bot_id, bucket, kind, reason, count)
    select k.org_id, k.bot_id, k.bucket, 'escalation', e.reason, count(*)
      from k join escalation_tickets e on ${inBucket("e")} group by 1, 2, 3, 5
    union all
    select k.org_id, k.bot_id, k.bucket, 'feedback', coalesce(nullif(btrim(e.reason), ''), '(none)'), count(*)
      from k join feedback e on ${inBucket("e")} where not e.helpful group by 1, 2, 3, 5`);
}
