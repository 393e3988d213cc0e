import { z } from "zod";
import { authedProcedure, orgProcedure, router } from "../../trpc";
import { membersRouter } from "./members-router";
import { createOrgInput, orgListOutput, orgSchema, updateOrgInput } from "./schemas";
import { createOrg, getOrg, listOrgs, updateOrg } from "./service";

export const orgsRouter = router({
  create: authedProcedure
    .meta({ requires: "authenticated" })
    .input(createOrgInput)
    .output(orgSchema)
    .mutation(({ ctx, input }) => createOrg(ctx, input)),

  list: authedProcedure
    .meta({ requires: "authenticated" })
    .input(z.object({}).optional())
    .output(orgListOutput)
    .query(({ ctx }) => listOrgs(ctx)),

  get: orgProcedure("org:read")
    .output(orgSchema)
    .query(({ ctx }) => getOrg(ctx)),

  update: orgProcedure("org:update")
    .input(updateOrgInput)
    .output(orgSchema)
    .mutation(({ ctx, input }) => updateOrg(ctx, input)),

  members: membersRouter,
});
