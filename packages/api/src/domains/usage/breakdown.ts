import { apiKeys, bots, type Database, rowsOf, type SQL, sql, type UsageActorKind, users } from "@kyro/db";
import { decodeOffset, encodeOffset } from "../../core/pagination";
import type { RequestInfo } from "../../core/request-info";
import { csvRecord } from "../shared/csv";
import { pagedExport } from "../shared/export-stream";
import type {
  BreakdownDimension,
  BreakdownRow,
  ExportBreakdownInput,
  UsageBreakdownInput,
  UsageTopInput,
} from "./breakdown-schemas";

interface Scope {
  db: Database;
  orgId: string;
}
interface Window {
  from: Date | string;
  to: Date | string;
}

/** The UTC day an instant falls on, as the daily rollups store it. */
const utcDay = (at: Date | string) => new Date(at).toISOString().slice(0, 10);
const ACTOR_KIND: Record<"member" | "apiKey", UsageActorKind> = { member: "user", apiKey: "apiKey" };
const EXPORT_PAGE_SIZE = 500;

/** `day` (a date column or expression) as the period text of the granularity. */
const periodOf = (day: SQL, granularity: "day" | "month") =>
  granularity === "month" ? sql`to_char(${day}, 'YYYY-MM')` : sql`to_char(${day}, 'YYYY-MM-DD')`;

const eventDay = sql`(usage_events.created_at at time zone 'UTC')::date`;

/**
 * The per-(period, key) sums of one dimension as a subquery. Requests and messages come from the daily
 * rollups (`usage_daily` per bot, `usage_daily_actors` per member or key); tokens and cost per member,
 * key and model from the usage events, which carry the user and key of each model call.
 */
function sums(orgId: string, by: BreakdownDimension, granularity: "day" | "month", window: Window): SQL {
  const fromDay = utcDay(window.from);
  const toDay = utcDay(window.to);
  const events = sql`usage_events.org_id = ${orgId} and ${eventDay} >= ${fromDay}::date and ${eventDay} < ${toDay}::date`;
  if (by === "bot") {
    return sql`select ${periodOf(sql`day`, granularity)} as period, bot_id::text as key,
        sum(requests) as requests, sum(messages) as messages, sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens, sum(cost_micros) as cost_micros
      from usage_daily where org_id = ${orgId} and day >= ${fromDay}::date and day < ${toDay}::date
      group by 1, 2`;
  }
  if (by === "model") {
    return sql`select ${periodOf(eventDay, granularity)} as period, model as key, count(*) as requests,
        0 as messages, sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
        sum(cost_micros) as cost_micros
      from usage_events where ${events} group by 1, 2`;
  }
  const column = by === "member" ? sql`user_id` : sql`api_key_id`;
  return sql`select period, key, sum(requests) as requests, sum(messages) as messages,
      sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens, sum(cost_micros) as cost_micros
    from (
      select ${periodOf(sql`day`, granularity)} as period, actor_id::text as key, requests, messages,
          0 as input_tokens, 0 as output_tokens, 0 as cost_micros
        from usage_daily_actors
        where org_id = ${orgId} and actor_kind = ${ACTOR_KIND[by]}
          and day >= ${fromDay}::date and day < ${toDay}::date
      union all
      select ${periodOf(eventDay, granularity)}, ${column}::text, 0, 0, input_tokens, output_tokens, cost_micros
        from usage_events where ${events} and ${column} is not null
    ) as used group by 1, 2`;
}

interface SumRow {
  period: string;
  key: string | null;
  requests: string | number;
  messages: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cost_micros: string | number;
}

/** Names of the page's bots, keys or members — each looked up within the org, so none leaks across. */
async function labelsOf(scope: Scope, by: BreakdownDimension, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0 || by === "model") return new Map();
  const ids = sql.join(
    keys.map((key) => sql`${key}::uuid`),
    sql`, `,
  );
  const query =
    by === "bot"
      ? sql`select id::text as id, name as label from ${bots} where org_id = ${scope.orgId} and id in (${ids})`
      : by === "apiKey"
        ? sql`select id::text as id, name as label from ${apiKeys} where org_id = ${scope.orgId} and id in (${ids})`
        : sql`select u.id::text as id, coalesce(nullif(u.name, ''), u.email) as label from ${users} u
            where u.id in (${ids}) and exists (
              select 1 from memberships m where m.user_id = u.id and m.org_id = ${scope.orgId})`;
  const rows = rowsOf<{ id: string; label: string }>(await scope.db.execute(query));
  return new Map(rows.map((row) => [row.id, row.label]));
}

async function labelled(scope: Scope, by: BreakdownDimension, rows: SumRow[]) {
  const labels = await labelsOf(scope, by, [
    ...new Set(rows.flatMap((row) => (row.key === null ? [] : [row.key]))),
  ]);
  return rows.map(
    (row): BreakdownRow => ({
      period: row.period,
      key: row.key,
      label: row.key === null ? null : (labels.get(row.key) ?? null),
      requests: Number(row.requests),
      messages: Number(row.messages),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      costMicros: Number(row.cost_micros),
    }),
  );
}

async function breakdownPage(
  scope: Scope,
  input: Omit<UsageBreakdownInput, "cursor" | "limit">,
  offset: number,
  limit: number,
): Promise<BreakdownRow[]> {
  const rows = rowsOf<SumRow>(
    await scope.db.execute(sql`select * from (${sums(scope.orgId, input.by, input.granularity, input)}) as sums
      order by period desc, key asc nulls first limit ${limit} offset ${offset}`),
  );
  return labelled(scope, input.by, rows);
}

/**
 * Usage per period and bot, member, API key or model over UTC days [from, to), newest period first,
 * then by key. Pages go by offset: the rows are sums, with no id of their own.
 */
export async function usageBreakdown(scope: Scope, input: UsageBreakdownInput) {
  const offset = decodeOffset(input.cursor);
  const rows = await breakdownPage(scope, input, offset, input.limit + 1);
  return {
    items: rows.slice(0, input.limit),
    nextCursor: rows.length > input.limit ? encodeOffset(offset + input.limit) : null,
  };
}

const CSV_COLUMNS = [
  "period",
  "key",
  "label",
  "requests",
  "messages",
  "inputTokens",
  "outputTokens",
  "costMicros",
] as const;

const csvLine = (row: BreakdownRow) =>
  csvRecord([
    row.period,
    row.key,
    row.label,
    String(row.requests),
    String(row.messages),
    String(row.inputTokens),
    String(row.outputTokens),
    String(row.costMicros),
  ]);

/** The whole breakdown as CSV or one JSON array, a page at a time (see `pagedExport`). */
export async function* exportBreakdown(
  scope: Scope & { request: Pick<RequestInfo, "requestId"> },
  input: ExportBreakdownInput,
): AsyncGenerator<string, void, undefined> {
  const { format, ...query } = input;
  let offset = 0;
  yield* pagedExport({
    format,
    requestId: scope.request.requestId,
    pageSize: EXPORT_PAGE_SIZE,
    page: async (last) => {
      offset = last === null ? 0 : offset + EXPORT_PAGE_SIZE;
      return breakdownPage(scope, query, offset, EXPORT_PAGE_SIZE);
    },
    csvColumns: CSV_COLUMNS,
    csvLine,
  });
}

/**
 * The members or API keys with the most requests (or cost) over the range, ties by key. Ranked, so
 * pages go by offset, like the platform usage report.
 */
export async function usageTop(scope: Scope, input: UsageTopInput) {
  const offset = decodeOffset(input.cursor);
  const rank = input.rankBy === "cost" ? sql`cost_micros` : sql`requests`;
  const rows = rowsOf<SumRow>(
    await scope.db.execute(sql`select '' as period, key, sum(requests) as requests,
        sum(messages) as messages, sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
        sum(cost_micros) as cost_micros
      from (${sums(scope.orgId, input.by, "day", input)}) as sums
      group by key order by sum(${rank}) desc, key asc limit ${input.limit + 1} offset ${offset}`),
  );
  const items = await labelled(scope, input.by, rows.slice(0, input.limit));
  return {
    items: items.map(({ period: _period, key, ...row }) => ({ key: key ?? "", ...row })),
    nextCursor: rows.length > input.limit ? encodeOffset(offset + input.limit) : null,
  };
}
