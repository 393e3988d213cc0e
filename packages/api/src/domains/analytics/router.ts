import { orgProcedure, router } from "../../core/trpc";
import { analyticsReportOutput, botAnalyticsInput, overviewInput } from "./schemas";
import { botReport, overview } from "./service";

const TAGS = ["analytics"];
const RANGE =
  "Counted in the org's time zone (`timeZone` on the organization): `range` is a preset ending today, or `from`/`to` name local days (inclusive, at most 366). Metric definitions: docs/analytics.md.";

export const analyticsRouter = router({
  overview: orgProcedure("analytics:read", {
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/analytics/overview",
      summary: "Analytics of the organization",
      description: `Totals, a per-day series and a breakdown by bot. ${RANGE} A key restricted to one bot sees that bot only.`,
      tags: TAGS,
    },
  })
    .input(overviewInput)
    .output(analyticsReportOutput)
    .query(async ({ ctx, input }) => ({ report: await overview(ctx, input) })),

  bot: orgProcedure("analytics:read", {
    botScope: "input",
    rest: {
      method: "GET",
      path: "/analytics/bots/{botId}",
      summary: "Analytics of one bot",
      description: `The same report for one live bot. ${RANGE}`,
      tags: TAGS,
    },
  })
    .input(botAnalyticsInput)
    .output(analyticsReportOutput)
    .query(async ({ ctx, input }) => ({ report: await botReport(ctx, input) })),
});
