import { orgProcedure, router } from "../../core/trpc";
import { limitsReportOutput } from "./schemas";
import { limitsReport } from "./service";

export const limitsRouter = router({
  get: orgProcedure("limits:read", {
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/limits",
      summary: "Get limits and current use",
      description:
        "The organization's limits and quotas with today's use (quotas reset at 00:00 UTC), the caller's own per-minute limit, and each bot's limits and use (a bot-restricted key sees only its own bot).",
      tags: ["limits"],
    },
  })
    .output(limitsReportOutput)
    .query(({ ctx }) => limitsReport(ctx.deps, ctx.org.orgId, ctx.principal)),
});
