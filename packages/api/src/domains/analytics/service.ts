import { and, bots, eq, inArray, organizations, rowsOf, sql } from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { notFound } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import type { Principal } from "../../core/principal";
import { assertOrgBot, restrictedBotOf } from "../shared/org-bots";
import { daysOf, resolveRange } from "./range";
import { drainOrg } from "./rollup";
import type { AnalyticsReport, BotAnalyticsInput, Metrics, OverviewInput } from "./schemas";

export interface AnalyticsContext {
  deps: Pick<AppDeps, "db">;
  org: OrgScope;
  principal: Principal;
}

/** Bucket sums of one local day and bot (float8: both drivers answer numbers). */
interface DayRow {
  day: string;
  bot_id: string;
  conversations: number;
  conversation_messages: number;
  resolved_by_bot: number;
  durably_resolved: number;
  escalated: number;
  first_responses: number;
  first_response_ms_sum: number;
  messages: number;
  feedback: number;
  helpful_feedback: number;
  leads: number;
  tickets: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
}
type Sums = Omit<DayRow, "day" | "bot_id">;
const SUM_COLUMNS: (keyof Sums)[] = [
  "conversations",
  "conversation_messages",
  "resolved_by_bot",
  "durably_resolved",
  "escalated",
  "first_responses",
  "first_response_ms_sum",
  "messages",
  "feedback",
  "helpful_feedback",
  "leads",
  "tickets",
  "input_tokens",
  "output_tokens",
  "cost_micros",
];

const zero = (): Sums => Object.fromEntries(SUM_COLUMNS.map((column) => [column, 0])) as unknown as Sums;
function addInto(target: Sums, row: Sums): void {
  for (const column of SUM_COLUMNS) target[column] += Number(row[column]);
}
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function metricsOf(sums: Sums): Metrics {
  return {
    conversations: sums.conversations,
    messages: sums.messages,
    messagesPerConversation: ratio(sums.conversation_messages, sums.conversations),
    resolvedByBot: sums.resolved_by_bot,
    resolutionRate: ratio(sums.resolved_by_bot, sums.conversations),
    durablyResolved: sums.durably_resolved,
    durableResolutionRate: ratio(sums.durably_resolved, sums.conversations),
    escalated: sums.escalated,
    escalationRate: ratio(sums.escalated, sums.conversations),
    tickets: sums.tickets,
    feedback: sums.feedback,
    helpfulFeedback: sums.helpful_feedback,
    helpfulShare: ratio(sums.helpful_feedback, sums.feedback),
    leads: sums.leads,
    firstResponseMs:
      sums.first_responses === 0 ? null : Math.round(sums.first_response_ms_sum / sums.first_responses),
    inputTokens: sums.input_tokens,
    outputTokens: sums.output_tokens,
    costMicros: sums.cost_micros,
  };
}

/** The whole org (a bot-restricted key: its bot only). */
export function overview(
  ctx: AnalyticsContext,
  input: OverviewInput,
  now = new Date(),
): Promise<AnalyticsReport> {
  return report(ctx, input, restrictedBotOf(ctx.principal), now);
}

/** One live bot of the org; another org's, a deleted one or (for a restricted key) another bot: 404. */
export async function botReport(
  ctx: AnalyticsContext,
  input: BotAnalyticsInput,
  now = new Date(),
): Promise<AnalyticsReport> {
  await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, input.botId);
  return report(ctx, input, input.botId, now);
}

async function report(
  ctx: AnalyticsContext,
  input: OverviewInput,
  botId: string | null,
  now: Date,
): Promise<AnalyticsReport> {
  const { db } = ctx.deps;
  const orgId = ctx.org.orgId;
  // The zone and whether writes left marks, in one round trip: a read drains (and so takes the org's
  // lock) only when there are marks to drain.
  const [org] = await db
    .select({
      timeZone: organizations.timeZone,
      marked: sql<boolean>`exists (select 1 from analytics_dirty d where d.org_id = ${orgId}::uuid)`,
    })
    .from(organizations)
    .where(eq(organizations.id, orgId))
    .limit(1);
  if (!org) throw notFound("Organization");
  const { timeZone } = org;
  const { from, to } = resolveRange(input, timeZone, now);
  if (org.marked) await drainOrg(db, orgId);

  // Local midnights to instants in Postgres, which knows each day's length (23 or 25 hours at DST).
  const window = sql`org_id = ${orgId}::uuid ${botId ? sql`and bot_id = ${botId}::uuid` : sql``}
    and bucket >= (${from}::date::timestamp at time zone ${timeZone})
    and bucket < ((${to}::date + 1)::timestamp at time zone ${timeZone})`;
  // A 90-day read sums ~26k bucket rows, so the per-row work decides its cost: group on the local date
  // (not its text) and the bot's uuid, formatting only the grouped rows, and sum the bigint columns as
  // float8 (exact below 2^53), which skips numeric arithmetic; together 2.5x faster than before.
  const sums = sql.join(
    SUM_COLUMNS.map((column) => sql`sum(${sql.identifier(column)}::float8) as ${sql.identifier(column)}`),
    sql`, `,
  );
  const [dayRows, reasonRows] = await Promise.all([
    db
      .execute(sql`select to_char(local_day, 'YYYY-MM-DD') as day, bot_id::text as bot_id, ${sql.join(
        SUM_COLUMNS.map((column) => sql.identifier(column)),
        sql`, `,
      )}
        from (select (bucket at time zone ${timeZone})::date as local_day, bot_id, ${sums}
          from analytics_buckets where ${window} group by 1, 2) as days`)
      .then(rowsOf<DayRow>),
    db
      .execute(sql`select kind, reason, sum(count)::float8 as count from analytics_reasons where ${window}
        group by 1, 2 order by 3 desc, 2`)
      .then(rowsOf<{ kind: string; reason: string; count: number }>),
  ]);

  const totals = zero();
  const byDay = new Map(daysOf(from, to).map((day) => [day, zero()]));
  const byBot = new Map<string, Sums>();
  for (const row of dayRows) {
    addInto(totals, row);
    const day = byDay.get(row.day);
    if (day) addInto(day, row);
    const bot = byBot.get(row.bot_id) ?? zero();
    addInto(bot, row);
    byBot.set(row.bot_id, bot);
  }
  const names = await botNames(ctx, [...byBot.keys()]);
  const reasons = (kind: string) =>
    reasonRows
      .filter((row) => row.kind === kind)
      .map((row) => ({ reason: row.reason, count: Number(row.count) }));
  return {
    timeZone,
    from,
    to,
    totals: metricsOf(totals),
    escalationReasons: reasons("escalation"),
    feedbackReasons: reasons("feedback").slice(0, 20),
    series: [...byDay].map(([date, day]) => ({ date, metrics: metricsOf(day) })),
    bots: [...byBot]
      .map(([id, bot]) => ({ botId: id, name: names.get(id) ?? "", metrics: metricsOf(bot) }))
      .sort((a, b) => b.metrics.conversations - a.metrics.conversations || a.name.localeCompare(b.name)),
  };
}

async function botNames(ctx: AnalyticsContext, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.deps.db
    .select({ id: bots.id, name: bots.name })
    .from(bots)
    .where(and(eq(bots.orgId, ctx.org.orgId), inArray(bots.id, ids)));
  return new Map(rows.map((row) => [row.id, row.name]));
}
