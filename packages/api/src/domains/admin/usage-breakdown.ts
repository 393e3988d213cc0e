import { organizations, rowsOf, sql } from "@kyro/db";
import { z } from "zod";
import type { AppDeps } from "../../core/deps";
import { decodeOffset, encodeOffset, pageFields } from "../../core/pagination";
import { instant, rangeIsOrdered, rangeMessage, rangeWithin, rangeWithinMessage } from "../shared/schemas";

/** The UTC day an instant falls on, as `usage_daily` stores it. */
const utcDay = (at: Date | string) => new Date(at).toISOString().slice(0, 10);

export const platformBreakdownInput = z
  .object({
    by: z.enum(["org", "model"]),
    granularity: z.enum(["day", "month"]).default("day"),
    /** Counts from the UTC day of this instant. */
    from: instant,
    /** Up to, not including, the UTC day of this instant (at most 366 days after `from`). */
    to: instant,
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage)
  .refine(rangeWithin(366), rangeWithinMessage(366));
export type PlatformBreakdownInput = z.infer<typeof platformBreakdownInput>;

export const platformBreakdownOutput = z.object({
  items: z.array(
    z.object({
      /** The UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`). */
      period: z.string(),
      /** The org id or the model name. */
      key: z.string(),
      /** The org's name; null for models. */
      label: z.string().nullable(),
      /** For `by: "model"`, the model calls. */
      requests: z.int(),
      messages: z.int(),
      inputTokens: z.int(),
      outputTokens: z.int(),
      costMicros: z.int(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

interface SumRow {
  period: string;
  key: string;
  label: string | null;
  requests: string | number;
  messages: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cost_micros: string | number;
}

/**
 * Platform-wide usage per period and org (from `usage_daily`) or model (from `usage_events`) over UTC
 * days [from, to), newest period first, then by key; paged by offset like `usageByOrg`.
 */
export async function platformBreakdown(deps: AppDeps, input: PlatformBreakdownInput) {
  const offset = decodeOffset(input.cursor);
  const format = input.granularity === "month" ? "YYYY-MM" : "YYYY-MM-DD";
  const fromDay = utcDay(input.from);
  const toDay = utcDay(input.to);
  const eventDay = sql`(usage_events.created_at at time zone 'UTC')::date`;
  const sums =
    input.by === "org"
      ? sql`select to_char(u.day, ${format}) as period, u.org_id::text as key, o.name as label,
            sum(u.requests) as requests, sum(u.messages) as messages, sum(u.input_tokens) as input_tokens,
            sum(u.output_tokens) as output_tokens, sum(u.cost_micros) as cost_micros
          from usage_daily u join ${organizations} o on o.id = u.org_id
          where u.day >= ${fromDay}::date and u.day < ${toDay}::date
          group by 1, 2, 3`
      : sql`select to_char(${eventDay}, ${format}) as period, model as key, null as label,
            count(*) as requests, 0 as messages, sum(input_tokens) as input_tokens,
            sum(output_tokens) as output_tokens, sum(cost_micros) as cost_micros
          from usage_events where ${eventDay} >= ${fromDay}::date and ${eventDay} < ${toDay}::date
          group by 1, 2`;
  const rows = rowsOf<SumRow>(
    await deps.db.execute(sql`select * from (${sums}) as sums order by period desc, key asc
      limit ${input.limit + 1} offset ${offset}`),
  );
  const items = rows.slice(0, input.limit).map((row) => ({
    period: row.period,
    key: row.key,
    label: row.label,
    requests: Number(row.requests),
    messages: Number(row.messages),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costMicros: Number(row.cost_micros),
  }));
  return { items, nextCursor: rows.length > input.limit ? encodeOffset(offset + input.limit) : null };
}
