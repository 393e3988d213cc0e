import { orgProcedure, platformAdminProcedure, router } from "../../core/trpc";
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
