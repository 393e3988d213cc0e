import { pageInput } from "../../core/pagination";
import { authedProcedure, orgProcedure, orgUserProcedure, router } from "../../core/trpc";
import { deleteOrg } from "./delete-service";
import { membersRouter } from "./members/router";
import { invitationListOutput } from "./members/schemas";
import { listInvitations } from "./members/service";
import {
  createOrgInput,
  deleteOrgInput,
  deleteOrgOutput,
  orgListOutput,
  orgResultOutput,
  updateOrgInput,
} from "./schemas";
import { createOrg, getOrg, listOrgs, updateOrg } from "./service";

export const orgsRouter = router({
  invitations: router({
    list: orgProcedure("members:manage", {
      rest: {
        method: "GET",
        path: "/invitations",
        summary: "List pending invitations",
        description:
          "Invitations not yet accepted or revoked, oldest first; expired ones say so in `status`.",
        tags: ["members"],
      },
    })
      .input(pageInput)
      .output(invitationListOutput)
      .query(({ ctx, input }) => listInvitations(ctx, input)),
  }),

  create: authedProcedure()
    .input(createOrgInput)
    .output(orgResultOutput)
    .mutation(async ({ ctx, input }) => ({ org: await createOrg(ctx, input) })),

  list: authedProcedure()
    // Optional so `orgs.list()` still reads the first page; `prefault` applies the page defaults.
    .input(pageInput.prefault({}))
    .output(orgListOutput)
    .query(({ ctx, input }) => listOrgs(ctx, input)),

  get: orgProcedure("org:read", {
    rest: {
      method: "GET",
      path: "/org",
      summary: "Get the organization",
      description: "With an API key, the key's organization; with an access token, pass `orgId`.",
      tags: ["organization"],
    },
  })
    .output(orgResultOutput)
    .query(async ({ ctx }) => ({ org: await getOrg(ctx) })),

  update: orgProcedure("org:update", {
    rest: {
      method: "PATCH",
      path: "/org",
      summary: "Update the organization",
      description:
        "Changes the name, slug and escalation email (where unassigned escalation tickets are mailed); omitted fields keep their value. Audited as `org.updated`.",
      tags: ["organization"],
      conflicts: ["slug_taken"],
    },
  })
    .input(updateOrgInput)
    .output(orgResultOutput)
    .mutation(async ({ ctx, input }) => ({ org: await updateOrg(ctx, input) })),

  // Owners only, by a person (never a key), confirmed by the org's name; see docs/data-lifecycle.md.
  delete: orgUserProcedure("org:delete")
    .input(deleteOrgInput)
    .output(deleteOrgOutput)
    .mutation(({ ctx, input }) => deleteOrg(ctx, input.confirmName)),

  members: membersRouter,
});
