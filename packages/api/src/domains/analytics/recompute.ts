import { type Executor, type SQL, sql } from "@kyro/db";

/**
 * Rewrites the buckets `keys` selects (org_id, bot_id, bucket) of one org from the source rows, by the
 * definitions of docs/analytics.md. Source rows are read over the span the keys cover and matched to
 * them by equality on (bot, bucket), which every planner turns into hash joins (a range join per key
 * went row by row on an embedded database without statistics). Keys of bots deleted meanwhile are
 * dropped: their rows went with the bot.
 */
export async function recompute(tx: Executor, orgId: string, keys: SQL): Promise<void> {
  const org = sql`${orgId}::uuid`;
  const keyed = sql`
    k as (
      select distinct keys.bot_id::uuid as bot_id, keys.bucket::timestamptz as bucket
      from (${keys}) as keys(org_id, bot_id, bucket)
      join bots on bots.id = keys.bot_id::uuid and bots.org_id = ${org}
    ),
    span as (select min(bucket) as lo, max(bucket) + interval '15 minutes' as hi from k)`;
  /** A source table's rows of the org within the span, with their bucket. */
  const within = (table: string, columns: string) =>
    sql`select ${sql.raw(columns)}, analytics_bucket(e.created_at) as bucket
      from ${sql.raw(table)} e, span where e.org_id = ${org} and e.bot_id is not null
        and e.created_at >= span.lo and e.created_at < span.hi`;
  await tx.execute(sql`
    with ${keyed},
    conv_rows as (${within(
      "conversations",
      "e.id, e.bot_id, e.created_at, e.resolved_at, e.end_user_id, e.escalated_at is not null as escalated, e.status = 'resolved' and e.escalated_at is null and e.assignee_id is null as resolved_alone",
    )}),
    stats as (
      select m.conversation_id, count(*) as n, min(m.created_at) filter (where m.role = 'visitor') as first_visitor,
        bool_or(m.role = 'agent') as has_agent
      from messages m where m.conversation_id in (select id from conv_rows) group by 1
    ),
    replies as (
      select m.conversation_id, min(m.created_at) as first_reply
      from messages m join stats s on s.conversation_id = m.conversation_id
      where m.role <> 'visitor' and m.created_at >= s.first_visitor group by 1
    ),
    facts as (
      select c.bot_id, c.bucket, c.escalated, coalesce(s.n, 0) as n, r.first_reply - s.first_visitor as latency,
        c.resolved_alone and not coalesce(s.has_agent, false) as by_bot,
        c.resolved_alone and c.end_user_id is not null and exists (select 1 from conversations later
          where later.bot_id = c.bot_id and later.end_user_id = c.end_user_id and later.created_at > c.created_at
            and later.created_at <= c.resolved_at + interval '7 days') as returned
      from conv_rows c left join stats s on s.conversation_id = c.id left join replies r on r.conversation_id = c.id
    ),
    conv as (
      select bot_id, bucket, count(*) as conversations, sum(n) as conversation_messages,
        count(*) filter (where by_bot) as resolved_by_bot, count(*) filter (where by_bot and not returned) as durably_resolved,
        count(*) filter (where escalated) as escalated, count(latency) as first_responses,
        coalesce(sum(extract(epoch from latency) * 1000), 0)::bigint as first_response_ms_sum
      from facts group by 1, 2
    ),
    msg as (select bot_id, bucket, count(*) as messages from (${within("messages", "e.bot_id")}) x group by 1, 2),
    fb as (select bot_id, bucket, count(*) as feedback, count(*) filter (where helpful) as helpful
      from (${within("feedback", "e.bot_id, e.helpful")}) x group by 1, 2),
    ld as (select bot_id, bucket, count(*) as leads from (${within("leads", "e.bot_id")}) x group by 1, 2),
    tk as (select bot_id, bucket, count(*) as tickets from (${within("escalation_tickets", "e.bot_id")}) x group by 1, 2),
    us as (select bot_id, bucket, sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
        sum(cost_micros) as cost_micros
      from (${within("usage_events", "e.bot_id, e.input_tokens, e.output_tokens, e.cost_micros")}) x group by 1, 2)
    insert into analytics_buckets (org_id, bot_id, bucket, conversations, conversation_messages, resolved_by_bot,
      durably_resolved, escalated, first_responses, first_response_ms_sum, messages, feedback, helpful_feedback,
      leads, tickets, input_tokens, output_tokens, cost_micros)
    select ${org}, k.bot_id, k.bucket, coalesce(conv.conversations, 0), coalesce(conv.conversation_messages, 0),
      coalesce(conv.resolved_by_bot, 0), coalesce(conv.durably_resolved, 0), coalesce(conv.escalated, 0),
      coalesce(conv.first_responses, 0), coalesce(conv.first_response_ms_sum, 0), coalesce(msg.messages, 0),
      coalesce(fb.feedback, 0), coalesce(fb.helpful, 0), coalesce(ld.leads, 0), coalesce(tk.tickets, 0),
      coalesce(us.input_tokens, 0), coalesce(us.output_tokens, 0), coalesce(us.cost_micros, 0)
    from k
    left join conv using (bot_id, bucket) left join msg using (bot_id, bucket) left join fb using (bot_id, bucket)
    left join ld using (bot_id, bucket) left join tk using (bot_id, bucket) left join us using (bot_id, bucket)
    on conflict (org_id, bucket, bot_id) do update set
      conversations = excluded.conversations, conversation_messages = excluded.conversation_messages,
      resolved_by_bot = excluded.resolved_by_bot, durably_resolved = excluded.durably_resolved,
      escalated = excluded.escalated, first_responses = excluded.first_responses,
      first_response_ms_sum = excluded.first_response_ms_sum, messages = excluded.messages,
      feedback = excluded.feedback, helpful_feedback = excluded.helpful_feedback, leads = excluded.leads,
      tickets = excluded.tickets, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
      cost_micros = excluded.cost_micros`);
  await tx.execute(sql`
    with ${keyed}
    delete from analytics_reasons r using k
    where r.org_id = ${org} and r.bot_id = k.bot_id and r.bucket = k.bucket`);
  await tx.execute(sql`
    with ${keyed},
    reasons as (
      select bot_id, bucket, 'escalation' as kind, reason from (${within("escalation_tickets", "e.bot_id, e.reason")}) x
      union all
      select bot_id, bucket, 'feedback', coalesce(nullif(btrim(reason), ''), '(none)')
      from (${within("feedback", "e.bot_id, e.reason, e.helpful")}) x where not helpful
    )
    insert into analytics_reasons (org_id, bot_id, bucket, kind, reason, count)
    select ${org}, k.bot_id, k.bucket, reasons.kind, reasons.reason, count(*)
    from k join reasons using (bot_id, bucket) group by 2, 3, 4, 5`);
}
