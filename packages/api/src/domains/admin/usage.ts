import { and, desc, eq, gte, lt, organizations, sql, usageDaily } from "@kyro/db";
import { z } from "zod";
import type { AppDeps } from "../../core/deps";
import { decodeOffset, encodeOffset, pageFields } from "../../core/pagination";
import { instant, rangeIsOrdered, rangeMessage, rangeWithin, rangeWithinMessage } from "../shared/schemas";
import { microsToUsd } from "../usage/index";

/** The UTC day an instant falls on, as `usage_daily` stores it. */
const utcDay = (at: Date | string) => new Date(at).toISOString().slice(0, 10);

export const orgUsageInput = z
  .object({
    /** Counts from the UTC day of this instant. */
    from: instant,
    /** Up to, not including, the UTC day of this instant (at most 366 days after `from`). */
    to: instant,
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage)
  .refine(rangeWithin(366), rangeWithinMessage(366));
export type OrgUsageInput = z.infer<typeof orgUsageInput>;

export const orgUsageOutput = z.object({
  items: z.array(
    z.object({
      orgId: z.uuid(),
      orgName: z.string(),
      requests: z.int(),
      messages: z.int(),
      inputTokens: z.int(),
      outputTokens: z.int(),
      costUsd: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

type Counter = "requests" | "messages" | "inputTokens" | "outputTokens" | "costMicros";
const sum = (counter: Counter) =>
  sql<number>`coalesce(sum(${usageDaily[counter]}), 0)::bigint`.mapWith(Number);

/**
 * Platform-wide usage per org over UTC days [from, to), from the daily counters (usage_daily): the orgs
 * with the most requests first. Ranked, so pages go by offset; the ranking is by the org id on ties.
 */
export async function usageByOrg(deps: AppDeps, input: OrgUsageInput) {
  const offset = decodeOffset(input.cursor);
  const requests = sum("requests");
  const rows = await deps.db
    .select({
      orgId: usageDaily.orgId,
      orgName: organizations.name,
      requests,
      messages: sum("messages"),
      inputTokens: sum("inputTokens"),
      outputTokens: sum("outputTokens"),
      costMicros: sum("costMicros"),
    })
    .from(usageDaily)
    .innerJoin(organizations, eq(organizations.id, usageDaily.orgId))
    .where(and(gte(usageDaily.day, utcDay(input.from)), lt(usageDaily.day, utcDay(input.to))))
    .groupBy(usageDaily.orgId, organizations.name)
    .orderBy(desc(requests), usageDaily.orgId)
    .limit(input.limit + 1)
    .offset(offset);
  const items = rows.slice(0, input.limit).map(({ costMicros, ...row }) => ({
    ...row,
    costUsd: microsToUsd(costMicros),
  }));
  return { items, nextCursor: rows.length > input.limit ? encodeOffset(offset + input.limit) : null };
}
