import { z } from "zod";
import { authedProcedure, orgProcedure, router } from "../../core/trpc";
import { membersRouter } from "./members/router";
import { createOrgInput, orgListOutput, orgSchema, updateOrgInput } from "./schemas";
import { createOrg, getOrg, listOrgs, updateOrg } from "./service";

export const orgsRouter = router({
  create: authedProcedure()
    .input(createOrgInput)
    .output(orgSchema)
    .mutation(({ ctx, input }) => createOrg(ctx, input)),

  list: authedProcedure()
    .input(z.object({}).optional())
    .output(orgListOutput)
    .query(({ ctx }) => listOrgs(ctx)),

  get: orgProcedure("org:read", {
    rest: {
      method: "GET",
      path: "/org",
      summary: "Get the organization",
      description: "With an API key, the key's organization; with an access token, pass `orgId`.",
      tags: ["organization"],
    },
  })
    .output(orgSchema)
    .query(({ ctx }) => getOrg(ctx)),

  update: orgProcedure("org:update", {
    rest: {
      method: "PATCH",
      path: "/org",
      summary: "Update the organization",
      description: "Changes the name and/or slug; omitted fields keep their value. Audited as `org.updated`.",
      tags: ["organization"],
    },
  })
    .input(updateOrgInput)
    .output(orgSchema)
    .mutation(({ ctx, input }) => updateOrg(ctx, input)),

  members: membersRouter,
});
