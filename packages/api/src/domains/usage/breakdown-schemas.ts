import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { instant, rangeIsOrdered, rangeMessage, rangeWithin, rangeWithinMessage } from "../shared/schemas";

export const BREAKDOWN_DIMENSIONS = ["bot", "member", "apiKey", "model"] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];
export const BREAKDOWN_FORMATS = ["csv", "json"] as const;

/** UTC days [day of `from`, day of `to`), at most 366 days: the rule of the platform usage report. */
const dayRange = {
  /** Counts from the UTC day of this instant. */
  from: instant,
  /** Up to, not including, the UTC day of this instant. */
  to: instant,
};
const MAX_DAYS = 366;

const breakdownShape = {
  by: z.enum(BREAKDOWN_DIMENSIONS),
  granularity: z.enum(["day", "month"]).default("day"),
  ...dayRange,
};

export const usageBreakdownInput = z
  .object({ ...breakdownShape, ...pageFields })
  .refine(rangeIsOrdered, rangeMessage)
  .refine(rangeWithin(MAX_DAYS), rangeWithinMessage(MAX_DAYS));
export type UsageBreakdownInput = z.infer<typeof usageBreakdownInput>;

export const exportBreakdownInput = z
  .object({ ...breakdownShape, format: z.enum(BREAKDOWN_FORMATS) })
  .refine(rangeIsOrdered, rangeMessage)
  .refine(rangeWithin(MAX_DAYS), rangeWithinMessage(MAX_DAYS));
export type ExportBreakdownInput = z.infer<typeof exportBreakdownInput>;

export const BREAKDOWN_ROW_SCHEMA_ID = "UsageBreakdownRow";

export const breakdownRow = z
  .object({
    /** The UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`). */
    period: z.string(),
    /** The bot, user or API key id, or the model name; null: requests that targeted no bot. */
    key: z.string().nullable(),
    /** The bot's or key's name, the member's name (or email); null when it is gone or for models. */
    label: z.string().nullable(),
    /** For `by: "model"`, the model calls. */
    requests: z.int(),
    messages: z.int(),
    inputTokens: z.int(),
    outputTokens: z.int(),
    costMicros: z.int(),
  })
  .meta({ id: BREAKDOWN_ROW_SCHEMA_ID });
export type BreakdownRow = z.infer<typeof breakdownRow>;

export const usageBreakdownOutput = z
  .object({ items: z.array(breakdownRow), nextCursor: z.string().nullable() })
  .meta({ id: "UsageBreakdownPage" });

export const breakdownExportOutput = z.custom<AsyncIterable<string>>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] === "function",
  "Expected a stream of text chunks",
);

export const usageTopInput = z
  .object({
    by: z.enum(["member", "apiKey"]),
    rankBy: z.enum(["requests", "cost"]).default("requests"),
    ...dayRange,
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage)
  .refine(rangeWithin(MAX_DAYS), rangeWithinMessage(MAX_DAYS));
export type UsageTopInput = z.infer<typeof usageTopInput>;

export const usageTopOutput = z
  .object({
    items: z.array(breakdownRow.omit({ period: true }).extend({ key: z.string() })),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "UsageTop" });
