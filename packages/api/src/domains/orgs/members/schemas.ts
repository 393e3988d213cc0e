import { z } from "zod";
import { token } from "../../../core/text-input";
import { emailSchema } from "../../shared/schemas";
import { roleSchema } from "../schemas";

export const memberSchema = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    joinedAt: z.date(),
  })
  .meta({ id: "Member" });
export type Member = z.infer<typeof memberSchema>;

export const memberResultOutput = z.object({ member: memberSchema }).meta({ id: "MemberResult" });

export const invitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: roleSchema,
    /** `expired` invitations stay listed until replaced, so an admin can see who never joined. */
    status: z.enum(["pending", "expired"]),
    invitedBy: z.uuid().nullable(),
    createdAt: z.date(),
    expiresAt: z.date(),
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof invitationSchema>;

export const memberListOutput = z
  .object({ items: z.array(memberSchema), nextCursor: z.string().nullable() })
  .meta({ id: "MemberList" });
export type MemberList = z.infer<typeof memberListOutput>;

export const invitationListOutput = z
  .object({ items: z.array(invitationSchema), nextCursor: z.string().nullable() })
  .meta({ id: "InvitationList" });
export type InvitationList = z.infer<typeof invitationListOutput>;

export const inviteInput = z.object({
  /** Normalized exactly like account emails, so the invitation matches the invitee's account. */
  email: emailSchema,
  role: roleSchema,
});
export type InviteInput = z.infer<typeof inviteInput>;

export const inviteOutput = z.object({
  invitation: invitationSchema,
  /** Shown once; only its HMAC is stored. Also mailed to the invitee. */
  token: z.string(),
  /** False when the invitation mail could not be sent; the inviter can share the token instead. */
  emailSent: z.boolean(),
});
export type InviteOutput = z.infer<typeof inviteOutput>;

export const acceptInviteInput = z.object({ token: token().min(1).max(200) });
export type AcceptInviteInput = z.infer<typeof acceptInviteInput>;

export const acceptInviteOutput = z.object({ orgId: z.uuid(), role: roleSchema });
export type AcceptInviteOutput = z.infer<typeof acceptInviteOutput>;

export const updateRoleInput = z.object({ userId: z.uuid(), role: roleSchema });
export type UpdateRoleInput = z.infer<typeof updateRoleInput>;

export const memberTargetInput = z.object({ userId: z.uuid() });
export type MemberTargetInput = z.infer<typeof memberTargetInput>;

export const removeMemberOutput = z.object({ orgId: z.uuid(), userId: z.uuid() });
export type RemoveMemberOutput = z.infer<typeof removeMemberOutput>;

export const leaveOutput = z.object({ orgId: z.uuid() });
export type LeaveOutput = z.infer<typeof leaveOutput>;
