import { type Executor, rowsOf, sql } from "@kyro/db";

/**
 * Source rows written straight with SQL (as a backfill or import would), and the metrics computed from
 * scratch over them — a second formulation of docs/analytics.md that shares no code with the rollups.
 */

export interface ScratchDay {
  date: string;
  conversations: number;
  conversationMessages: number;
  resolvedByBot: number;
  durablyResolved: number;
  escalated: number;
  firstResponses: number;
  firstResponseMsSum: number;
  messages: number;
  feedback: number;
  helpfulFeedback: number;
  leads: number;
  tickets: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

/** `count` conversations from `start`, one every `spacingSeconds`, with messages, feedback, leads, tickets, usage. */
export async function seedActivity(
  db: Executor,
  options: {
    orgId: string;
    botIds: string[];
    start: string;
    count: number;
    spacingSeconds: number;
    salt: string;
  },
): Promise<void> {
  const { orgId, start, count, spacingSeconds, salt } = options;
  const [b1, b2 = b1] = options.botIds;
  await db.execute(sql`
    insert into conversations (id, org_id, bot_id, status, end_user_id, created_at, resolved_at, escalated_at)
    select gen_random_uuid(), ${orgId}::uuid, case when i % 3 = 0 then ${b2}::uuid else ${b1}::uuid end,
      case when i % 4 = 0 then 'resolved' when i % 7 = 0 then 'escalated' else 'open' end,
      case when i % 5 = 0 then 'visitor-' || (i % 11) end,
      at, case when i % 4 = 0 then at + interval '10 minutes' end,
      case when i % 7 = 0 and i % 4 <> 0 then at + interval '5 minutes' end
    from generate_series(1, ${count}::int) i,
      lateral (select ${start}::timestamptz + make_interval(secs => i * ${spacingSeconds}::int) as at) t`);
  await db.execute(sql`
    insert into messages (id, org_id, conversation_id, bot_id, role, content, created_at)
    select gen_random_uuid(), c.org_id, c.id, c.bot_id,
      case when j % 2 = 1 then 'visitor' when c.status = 'escalated' and j = 4 then 'agent' else 'bot' end,
      ${salt}, c.created_at + make_interval(secs => j * 7 + abs(hashtext(c.id::text)) % 5)
    from conversations c, generate_series(1, 1 + abs(hashtext(c.id::text || ${salt})) % 6) j
    where c.org_id = ${orgId}::uuid and not exists (select 1 from messages m where m.conversation_id = c.id)`);
  await db.execute(sql`
    insert into feedback (id, org_id, bot_id, conversation_id, message_id, source, helpful, reason, created_at)
    select gen_random_uuid(), m.org_id, m.bot_id, m.conversation_id, m.id, 'widget', abs(hashtext(m.id::text)) % 3 > 0,
      case when abs(hashtext(m.id::text)) % 3 = 0 then (array['wrong', 'vague', ''])[1 + abs(hashtext(m.id::text)) % 3] end,
      m.created_at + interval '30 seconds'
    from messages m where m.org_id = ${orgId}::uuid and m.role = 'bot' and m.content = ${salt}
      and abs(hashtext(m.id::text || 'fb')) % 4 = 0`);
  await db.execute(sql`
    insert into leads (id, org_id, bot_id, conversation_id, email, source, created_at)
    select gen_random_uuid(), c.org_id, c.bot_id, c.id, c.id || '@example.test', 'widget', c.created_at + interval '1 minute'
    from conversations c where c.org_id = ${orgId}::uuid and abs(hashtext(c.id::text || 'lead')) % 6 = 0
    on conflict do nothing`);
  await db.execute(sql`
    insert into escalation_tickets (id, org_id, bot_id, conversation_id, channel, reason, subject, created_at)
    select gen_random_uuid(), c.org_id, c.bot_id, c.id, 'widget',
      (array['keyword', 'fallbacks', 'visitor'])[1 + abs(hashtext(c.id::text)) % 3], 'Help', c.escalated_at
    from conversations c where c.org_id = ${orgId}::uuid and c.escalated_at is not null
      and not exists (select 1 from escalation_tickets t where t.conversation_id = c.id)`);
  await db.execute(sql`
    insert into usage_events (id, org_id, bot_id, conversation_id, model, kind, input_tokens, output_tokens, cost_micros, created_at)
    select gen_random_uuid(), m.org_id, m.bot_id, m.conversation_id, 'fake', 'chat', 100 + length(m.id::text), 20, 7, m.created_at
    from messages m where m.org_id = ${orgId}::uuid and m.role = 'bot' and m.content = ${salt}`);
}

/** Late and backfilled writes: past-dated conversations and messages, state changes, deletions, returns. */
export async function backfill(db: Executor, orgId: string, botIds: string[], start: string): Promise<void> {
  await seedActivity(db, { orgId, botIds, start, count: 40, spacingSeconds: 20_011, salt: "late" });
  await db.execute(sql`
    insert into messages (id, org_id, conversation_id, bot_id, role, content, created_at)
    select gen_random_uuid(), c.org_id, c.id, c.bot_id, 'visitor', 'late visitor', c.created_at + interval '2 hours'
    from conversations c where c.org_id = ${orgId}::uuid and abs(hashtext(c.id::text || 'late')) % 5 = 0`);
  await db.execute(sql`
    update conversations set status = 'resolved', resolved_at = created_at + interval '1 hour'
    where org_id = ${orgId}::uuid and status = 'open' and abs(hashtext(id::text || 'resolve')) % 3 = 0`);
  await db.execute(sql`
    delete from messages where org_id = ${orgId}::uuid and role = 'bot' and abs(hashtext(id::text || 'del')) % 9 = 0`);
  await db.execute(sql`update feedback set helpful = not helpful where org_id = ${orgId}::uuid
    and abs(hashtext(id::text || 'flip')) % 4 = 0`);
  // Identified visitors come back two days after a resolution: those resolutions are no longer durable.
  await db.execute(sql`
    insert into conversations (id, org_id, bot_id, status, end_user_id, created_at)
    select gen_random_uuid(), c.org_id, c.bot_id, 'open', c.end_user_id, c.resolved_at + interval '2 days'
    from conversations c where c.org_id = ${orgId}::uuid and c.status = 'resolved' and c.end_user_id is not null
      and abs(hashtext(c.id::text || 'return')) % 2 = 0`);
}

/** Every metric per local day in `timeZone`, straight from the source tables. */
export async function scratchDays(
  db: Executor,
  orgId: string,
  timeZone: string,
): Promise<Map<string, ScratchDay>> {
  const day = (column: string) => sql.raw(`to_char(${column} at time zone '${timeZone}', 'YYYY-MM-DD')`);
  const rows = rowsOf<Record<string, string | number>>(
    await db.execute(sql`
    with stats as (
      select conversation_id, count(*) as n, min(created_at) filter (where role = 'visitor') as first_visitor,
        bool_or(role = 'agent') as has_agent
      from messages where org_id = ${orgId}::uuid group by conversation_id
    ),
    replies as (
      select m.conversation_id, min(m.created_at) as first_reply
      from messages m join stats s on s.conversation_id = m.conversation_id
      where m.role <> 'visitor' and m.created_at >= s.first_visitor group by m.conversation_id
    ),
    conv as (
      select ${day("c.created_at")} as date, coalesce(s.n, 0) as n, r.first_reply - s.first_visitor as latency,
        c.escalated_at is not null as escalated,
        (c.status = 'resolved' and c.escalated_at is null and c.assignee_id is null
          and not coalesce(s.has_agent, false)) as by_bot,
        exists (select 1 from conversations later where later.bot_id = c.bot_id and later.end_user_id = c.end_user_id
          and later.created_at > c.created_at and later.created_at <= c.resolved_at + interval '7 days') as returned
      from conversations c left join stats s on s.conversation_id = c.id left join replies r on r.conversation_id = c.id
      where c.org_id = ${orgId}::uuid
    ),
    events as (
      select ${day("created_at")} as date, 1 as messages, 0 as feedback, 0 as helpful, 0 as leads, 0 as tickets,
        0 as input_tokens, 0 as output_tokens, 0 as cost from messages where org_id = ${orgId}::uuid
      union all select ${day("created_at")}, 0, 1, helpful::int, 0, 0, 0, 0, 0 from feedback where org_id = ${orgId}::uuid
      union all select ${day("created_at")}, 0, 0, 0, 1, 0, 0, 0, 0 from leads where org_id = ${orgId}::uuid
      union all select ${day("created_at")}, 0, 0, 0, 0, 1, 0, 0, 0 from escalation_tickets where org_id = ${orgId}::uuid
      union all select ${day("created_at")}, 0, 0, 0, 0, 0, input_tokens, output_tokens, cost_micros
        from usage_events where org_id = ${orgId}::uuid and bot_id is not null
    ),
    by_conv as (
      select date, count(*) as conversations, sum(n) as conversation_messages,
        count(*) filter (where by_bot) as resolved_by_bot, count(*) filter (where by_bot and not returned) as durably_resolved,
        count(*) filter (where escalated) as escalated, count(latency) as first_responses,
        coalesce(sum(extract(epoch from latency) * 1000), 0) as first_response_ms_sum
      from conv group by date
    ),
    by_event as (
      select date, sum(messages) as messages, sum(feedback) as feedback, sum(helpful) as helpful_feedback,
        sum(leads) as leads, sum(tickets) as tickets, sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens, sum(cost) as cost_micros
      from events group by date
    )
    select coalesce(by_conv.date, by_event.date) as date, by_conv.conversations, by_conv.conversation_messages,
      by_conv.resolved_by_bot, by_conv.durably_resolved, by_conv.escalated, by_conv.first_responses,
      by_conv.first_response_ms_sum, by_event.messages, by_event.feedback, by_event.helpful_feedback,
      by_event.leads, by_event.tickets, by_event.input_tokens, by_event.output_tokens, by_event.cost_micros
    from by_conv full join by_event on by_event.date = by_conv.date`),
  );
  const n = (value: string | number | null | undefined) => Number(value ?? 0);
  return new Map(
    rows.map((row) => [
      String(row.date),
      {
        date: String(row.date),
        conversations: n(row.conversations),
        conversationMessages: n(row.conversation_messages),
        resolvedByBot: n(row.resolved_by_bot),
        durablyResolved: n(row.durably_resolved),
        escalated: n(row.escalated),
        firstResponses: n(row.first_responses),
        firstResponseMsSum: n(row.first_response_ms_sum),
        messages: n(row.messages),
        feedback: n(row.feedback),
        helpfulFeedback: n(row.helpful_feedback),
        leads: n(row.leads),
        tickets: n(row.tickets),
        inputTokens: n(row.input_tokens),
        outputTokens: n(row.output_tokens),
        costMicros: n(row.cost_micros),
      },
    ]),
  );
}
