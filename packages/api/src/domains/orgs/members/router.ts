import { pageInput } from "../../../core/pagination";
import { authedProcedure, orgProcedure, orgUserProcedure, router } from "../../../core/trpc";
import { acceptInvitation, inviteMember } from "./invitations-service";
import {
  acceptInviteInput,
  acceptInviteOutput,
  inviteInput,
  inviteOutput,
  leaveOutput,
  memberListOutput,
  memberResultOutput,
  memberTargetInput,
  removeMemberOutput,
  updateRoleInput,
} from "./schemas";
import { leaveOrg, listMembers, removeMember, updateMemberRole } from "./service";

export const membersRouter = router({
  list: orgProcedure("members:read", {
    rest: {
      method: "GET",
      path: "/members",
      summary: "List members",
      description:
        "Every member with their role, oldest first. Pending invitations are listed at `/invitations`.",
      tags: ["members"],
    },
  })
    .input(pageInput)
    .output(memberListOutput)
    .query(({ ctx, input }) => listMembers(ctx, input)),

  invite: orgUserProcedure("members:manage")
    .input(inviteInput)
    .output(inviteOutput)
    .mutation(({ ctx, input }) => inviteMember(ctx, input)),

  acceptInvite: authedProcedure()
    .input(acceptInviteInput)
    .output(acceptInviteOutput)
    .mutation(({ ctx, input }) => acceptInvitation(ctx, input)),

  updateRole: orgUserProcedure("members:manage")
    .input(updateRoleInput)
    .output(memberResultOutput)
    .mutation(async ({ ctx, input }) => ({ member: await updateMemberRole(ctx, input) })),

  remove: orgUserProcedure("members:manage")
    .input(memberTargetInput)
    .output(removeMemberOutput)
    .mutation(({ ctx, input }) => removeMember(ctx, input)),

  leave: orgUserProcedure("org:read")
    .output(leaveOutput)
    .mutation(({ ctx }) => leaveOrg(ctx)),
});
