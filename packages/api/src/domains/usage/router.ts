import { orgProcedure, platformAdminProcedure, router } from "../../core/trpc";
import { contentTypeFor } from "../shared/export-stream";
import { exportBreakdown, usageBreakdown, usageTop } from "./breakdown";
import {
  BREAKDOWN_ROW_SCHEMA_ID,
  breakdownExportOutput,
  exportBreakdownInput,
  usageBreakdownInput,
  usageBreakdownOutput,
  usageTopInput,
  usageTopOutput,
} from "./breakdown-schemas";
import {
  pricingListInput,
  pricingListOutput,
  pricingOutput,
  setPricingInput,
  usageDailyInput,
  usageDailyOutput,
  usageSummaryInput,
  usageSummaryOutput,
} from "./schemas";
import { listPricing, setPricing, usageByDay, usageSummary } from "./service";

const TAGS = ["usage"] as const;

/** Model usage and cost of the org, and the per-model price table platform operators keep. */
export const usageRouter = router({
  summary: orgProcedure("ai:read", {
    rest: {
      method: "GET",
      path: "/usage/summary",
      summary: "Model calls, tokens and cost over a window",
      description:
        "Totals, per model and per bot, from one usage event per model call. Default window: the last 30 days.",
      tags: TAGS,
    },
  })
    .input(usageSummaryInput)
    .output(usageSummaryOutput)
    .query(({ ctx, input }) => usageSummary(ctx, input)),

  daily: orgProcedure("ai:read", {
    rest: {
      method: "GET",
      path: "/usage/daily",
      summary: "Daily usage per bot",
      description: "Requests, messages, model tokens and cost per UTC day and bot.",
      tags: TAGS,
    },
  })
    .input(usageDailyInput)
    .output(usageDailyOutput)
    .query(({ ctx, input }) => usageByDay(ctx, input)),

  breakdown: orgProcedure("ai:read", {
    rest: {
      method: "GET",
      path: "/usage/breakdown",
      summary: "Usage per bot, member, API key or model",
      description:
        "Requests, messages, tokens and cost per UTC day or month and per bot, member, API key or model, over UTC days [from, to) (at most 366). Newest period first.",
      tags: TAGS,
    },
  })
    .input(usageBreakdownInput)
    .output(usageBreakdownOutput)
    .query(({ ctx, input }) => usageBreakdown({ db: ctx.deps.db, orgId: ctx.org.orgId }, input)),

  exportBreakdown: orgProcedure("ai:read", {
    rest: {
      method: "GET",
      path: "/usage/breakdown/export",
      summary: "Export the usage breakdown",
      description:
        "Streams the whole breakdown as CSV (RFC 4180; cells that look like formulas are prefixed with `'`) or as one JSON array.",
      tags: TAGS,
      stream: {
        formatField: "format",
        contentTypes: { csv: contentTypeFor("csv"), json: contentTypeFor("json") },
        filenamePrefix: "usage",
        itemSchemaId: BREAKDOWN_ROW_SCHEMA_ID,
      },
    },
  })
    .input(exportBreakdownInput)
    .output(breakdownExportOutput)
    .query(({ ctx, input }) =>
      exportBreakdown({ db: ctx.deps.db, orgId: ctx.org.orgId, request: ctx.request }, input),
    ),

  top: orgProcedure("ai:read", {
    rest: {
      method: "GET",
      path: "/usage/top",
      summary: "Top members or API keys",
      description:
        "The members or API keys with the most requests (or cost) over UTC days [from, to) (at most 366). Ranked; pages go by offset.",
      tags: TAGS,
    },
  })
    .input(usageTopInput)
    .output(usageTopOutput)
    .query(({ ctx, input }) => usageTop({ db: ctx.deps.db, orgId: ctx.org.orgId }, input)),

  pricing: router({
    list: orgProcedure("ai:read", {
      rest: { method: "GET", path: "/usage/pricing", summary: "Model prices", tags: TAGS },
    })
      .input(pricingListInput)
      .output(pricingListOutput)
      .query(({ ctx, input }) => listPricing(ctx.deps, input)),

    /** Platform operators only; not on REST. */
    set: platformAdminProcedure()
      .input(setPricingInput)
      .output(pricingOutput)
      .mutation(({ ctx, input }) =>
        setPricing({ deps: ctx.deps, audit: ctx.audit, userId: ctx.principal.userId }, input),
      ),
  }),
});
