import { z } from "zod";
import { singleLine } from "../../core/text-input";

export const ANALYTICS_RANGES = ["today", "7d", "30d", "90d"] as const;
/** The longest custom range: a year and a day (a leap year's 366 local days). */
export const MAX_RANGE_DAYS = 366;

// zod's own calendar-day pattern (leap years included), so the document declares exactly the check.
const localDate = singleLine()
  .regex(z.regexes.date, "A calendar day as YYYY-MM-DD")
  .meta({ format: "date" })
  .describe("A calendar day in the org's time zone (YYYY-MM-DD)");

const rangeInput = {
  /** A preset ending today (in the org's time zone); ignored when `from` is given. Default `7d`. */
  range: z.enum(ANALYTICS_RANGES).optional(),
  from: localDate
    .describe("First local day of a custom range (inclusive), YYYY-MM-DD; `to` defaults to today.")
    .optional(),
  to: localDate
    .describe(
      "Last local day of a custom range (inclusive), YYYY-MM-DD. Only with `from`, on or after it and at most 366 days after it.",
    )
    .optional(),
};

export const overviewInput = z.object(rangeInput);
export type OverviewInput = z.infer<typeof overviewInput>;
export const botAnalyticsInput = z.object({ botId: z.uuid(), ...rangeInput });
export type BotAnalyticsInput = z.infer<typeof botAnalyticsInput>;

const reasonCount = z
  .object({ reason: z.string(), count: z.number().int() })
  .meta({ id: "AnalyticsReasonCount" });

/** The counts and rates of a period, a day or a bot; definitions in docs/analytics.md. */
export const metricsSchema = z
  .object({
    conversations: z.number().int(),
    messages: z.number().int(),
    messagesPerConversation: z.number().nullable(),
    resolvedByBot: z.number().int(),
    resolutionRate: z.number().nullable(),
    durablyResolved: z.number().int(),
    durableResolutionRate: z.number().nullable(),
    escalated: z.number().int(),
    escalationRate: z.number().nullable(),
    tickets: z.number().int(),
    feedback: z.number().int(),
    helpfulFeedback: z.number().int(),
    helpfulShare: z.number().nullable(),
    leads: z.number().int(),
    firstResponseMs: z.number().nullable(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    costMicros: z.number().int(),
  })
  .meta({ id: "AnalyticsMetrics" });
export type Metrics = z.infer<typeof metricsSchema>;

export const analyticsReportSchema = z
  .object({
    timeZone: z.string(),
    from: z.string(),
    to: z.string(),
    totals: metricsSchema,
    escalationReasons: z.array(reasonCount),
    feedbackReasons: z.array(reasonCount),
    series: z.array(z.object({ date: z.string(), metrics: metricsSchema })),
    bots: z.array(z.object({ botId: z.uuid(), name: z.string(), metrics: metricsSchema })),
  })
  .meta({ id: "AnalyticsReport" });
export type AnalyticsReport = z.infer<typeof analyticsReportSchema>;
export const analyticsReportOutput = z
  .object({ report: analyticsReportSchema })
  .meta({ id: "AnalyticsResult" });
