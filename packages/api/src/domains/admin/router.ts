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
import { adminUsersRouter } from "./users-router";

/**
 * Platform operators only (KYRO_PLATFORM_ADMINS); anyone else gets NOT_FOUND. The limits procedures are
 * tRPC only; user governance and org suspension are on REST under /admin too.
 */
export const adminRouter = router({
  orgs: router({
    list: platformAdminProcedure()
      .input(listOrgsInput)
      .output(listOrgsOutput)
      .query(({ ctx, input }) => listOrgs(ctx.deps, input)),

    get: platformAdminProcedure()
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
  }),
});
