import { orgProcedure, router } from "../../core/trpc";
import { retentionResultOutput, updateRetentionInput } from "./schemas";
import { getRetention, updateRetention } from "./service";

const TAGS = ["retention"];

export const retentionRouter = router({
  get: orgProcedure("retention:manage", {
    rest: {
      method: "GET",
      path: "/retention",
      summary: "Get the retention policy",
      description:
        "Days each kind of data is kept before the daily purge deletes it: the org's choice, or the platform default (listed in `defaulted`).",
      tags: TAGS,
    },
  })
    .output(retentionResultOutput)
    .query(async ({ ctx }) => ({ retention: await getRetention(ctx) })),

  update: orgProcedure("retention:manage", {
    rest: {
      method: "PATCH",
      path: "/retention",
      summary: "Update the retention policy",
      description:
        "Sets days per category; `null` returns a category to the platform default, an omitted one is kept. `audit` below the platform minimum answers 422 `below_audit_minimum`. Audited as `retention.updated`.",
      tags: TAGS,
      unprocessable: ["below_audit_minimum"],
    },
  })
    .input(updateRetentionInput)
    .output(retentionResultOutput)
    .mutation(async ({ ctx, input }) => ({ retention: await updateRetention(ctx, input) })),
});
