import { platformAdminProcedure, router } from "../../core/trpc";
import { orgsSuspensionRouter } from "./org-suspension-router";
import {
  adminOrgOutput,
  getOrgInput,
  listOrgsInput,
  listOrgsOutput,
  setBotLimitsInput,
  setBotLimitsOutput,
  setOrgLimitsInput,
} from "./schemas";
import { getOrg, listOrgs, setBotLimits, setOrgLimits } from "./service";
import { orgUsageInput, orgUsageOutput, usageByOrg } from "./usage";
import { platformBreakdown, platformBreakdownInput, platformBreakdownOutput } from "./usage-breakdown";
import { adminUsersRouter } from "./users-router";

const tags = ["admin"] as const;

/**
 * Platform operators only (KYRO_PLATFORM_ADMINS); anyone else gets NOT_FOUND. Changing limits is tRPC
 * only; reading orgs, user governance and org suspension are on REST under /admin too.
 */
export const adminRouter = router({
  orgs: router({
    list: platformAdminProcedure({
      rest: {
        method: "GET",
        path: "/admin/orgs",
        summary: "List organizations (operators)",
        description:
          "Oldest first; filter by name or slug substring and by `status` (`active` or `suspended`). Each org carries `suspendedAt` and `suspendedReason`.",
        tags,
      },
    })
      .input(listOrgsInput)
      .output(listOrgsOutput)
      .query(({ ctx, input }) => listOrgs(ctx.deps, input)),

    get: platformAdminProcedure({
      rest: {
        method: "GET",
        path: "/admin/orgs/{orgId}",
        summary: "Get an organization (operators)",
        description:
          "The org with its suspension (`suspendedAt`, `suspendedReason`), its limit overrides, its effective limits and today's use, and each bot's overrides.",
        tags,
      },
    })
      .input(getOrgInput)
      .output(adminOrgOutput)
      .query(({ ctx, input }) => getOrg(ctx.deps, input.orgId)),

    setLimits: platformAdminProcedure()
      .input(setOrgLimitsInput)
      .output(adminOrgOutput)
      .mutation(({ ctx, input }) =>
        setOrgLimits(
          { deps: ctx.deps, audit: ctx.audit, userId: ctx.principal.userId },
          input.orgId,
          input.limits,
        ),
      ),
    ...orgsSuspensionRouter,
  }),
  bots: router({
    setLimits: platformAdminProcedure()
      .input(setBotLimitsInput)
      .output(setBotLimitsOutput)
      .mutation(({ ctx, input }) =>
        setBotLimits(
          { deps: ctx.deps, audit: ctx.audit, userId: ctx.principal.userId },
          { orgId: input.orgId, botId: input.botId },
          input.limits,
        ),
      ),
  }),
  users: adminUsersRouter,
  usage: router({
    /** Platform-wide usage per org; tRPC only, like the limits procedures. */
    orgs: platformAdminProcedure()
      .input(orgUsageInput)
      .output(orgUsageOutput)
      .query(({ ctx, input }) => usageByOrg(ctx.deps, input)),
    /** Platform-wide usage per day or month and org or model; tRPC only, like `orgs`. */
    breakdown: platformAdminProcedure()
      .input(platformBreakdownInput)
      .output(platformBreakdownOutput)
      .query(({ ctx, input }) => platformBreakdown(ctx.deps, input)),
  }),
});
