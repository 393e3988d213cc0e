import { and, eq, gt, invitations, isNull, memberships, organizations, type Role, users } from "@kyro/db";
import { hmacSha256, type MailMessage, randomToken } from "@kyro/platform";
import { recordAudit } from "../../../core/audit-log";
import type { AppDeps } from "../../../core/deps";
import { conflict, forbidden, invalidField, notFound } from "../../../core/errors";
import { emitEvent } from "../../../core/events/emit";
import { canAssignRole } from "../../../core/policy";
import type { OrgServiceContext, UserServiceContext } from "../service";
import type { AcceptInviteInput, AcceptInviteOutput, InviteInput, InviteOutput } from "./schemas";

const INVITATION_TOKEN_PREFIX = "kyro_inv_";

const invitationNotFound = () => notFound("Invitation");

function invitationMail(
  settings: AppDeps["settings"],
  invite: { email: string; role: Role; orgName: string; inviter: string; token: string; expiresAt: Date },
): MailMessage {
  const link = `${settings.publicUrl.replace(/\/+$/, "")}/console/accept-invitation?token=${encodeURIComponent(invite.token)}`;
  return {
    to: invite.email,
    subject: `You are invited to join ${invite.orgName} on Kyro`,
    text: [
      `${invite.inviter} invited you to join the organization "${invite.orgName}" on Kyro as ${invite.role}.`,
      "",
      `Accept the invitation: ${link}`,
      "",
      `No Kyro account yet? Sign up with ${invite.email} first, then open the link.`,
      `The invitation expires on ${invite.expiresAt.toUTCString()} and can be used once.`,
      "If you were not expecting it, you can ignore this message.",
    ].join("\n"),
  };
}

export async function inviteMember(ctx: OrgServiceContext, input: InviteInput): Promise<InviteOutput> {
  const { deps } = ctx;
  const { orgId } = ctx.org;
  if (!canAssignRole(ctx.org.role, null, input.role)) {
    throw forbidden("role", "Only an owner can invite someone as owner");
  }
  const token = randomToken(INVITATION_TOKEN_PREFIX);
  const expiresAt = new Date(Date.now() + deps.settings.invitationTtlHours * 3_600_000);

  const { invitation, orgName } = await deps.db.transaction(async (tx) => {
    const [org] = await tx
      .select({ name: organizations.name })
      .from(organizations)
      .where(eq(organizations.id, orgId));
    if (!org) throw notFound("Organization");
    const [existing] = await tx
      .select({ userId: memberships.userId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, orgId), eq(users.email, input.email)))
      .limit(1);
    if (existing)
      throw conflict("already_member", `${input.email} is already a member of this organization`, "email");

    const pendingFor = and(
      eq(invitations.orgId, orgId),
      eq(invitations.email, input.email),
      isNull(invitations.acceptedAt),
      isNull(invitations.revokedAt),
    );
    // At most one pending invitation per email (partial unique index): a new one replaces the old.
    const replaced = await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(pendingFor)
      .returning({ id: invitations.id });
    const [created] = await tx
      .insert(invitations)
      .values({
        orgId,
        email: input.email,
        role: input.role,
        tokenHash: hmacSha256(deps.hmacKeys.invitation, token),
        invitedBy: ctx.principal.userId,
        expiresAt,
      })
      .onConflictDoNothing({
        target: [invitations.orgId, invitations.email],
        where: and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt)),
      })
      .returning({
        id: invitations.id,
        email: invitations.email,
        role: invitations.role,
        invitedBy: invitations.invitedBy,
        createdAt: invitations.createdAt,
        expiresAt: invitations.expiresAt,
      });
    if (!created) {
      throw conflict(
        "concurrent_invitation",
        `Another invitation for ${input.email} was just sent; try again`,
        "email",
      );
    }
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "member.invited",
      resourceType: "invitation",
      resourceId: created.id,
      after: {
        email: created.email,
        role: created.role,
        expiresAt: created.expiresAt,
        replacedInvitationIds: replaced.map((row) => row.id),
      },
    });
    await emitEvent(tx, {
      orgId,
      type: "member.invited",
      data: {
        invitationId: created.id,
        email: created.email,
        role: created.role,
        expiresAt: created.expiresAt.toISOString(),
      },
    });
    return { invitation: { ...created, status: "pending" as const }, orgName: org.name };
  });

  // Sent only after commit, so no mail goes out for an invitation that rolled back. A failed send keeps
  // the invitation: the inviter has the token and can share it another way.
  let emailSent = true;
  try {
    await deps.mailer.send(
      invitationMail(deps.settings, {
        email: invitation.email,
        role: invitation.role,
        orgName,
        inviter: ctx.principal.email,
        token,
        expiresAt: invitation.expiresAt,
      }),
    );
  } catch (error) {
    emailSent = false;
    deps.logger.error({ err: error, orgId, invitationId: invitation.id }, "invitation mail failed");
  }
  return { invitation, token, emailSent };
}

export async function acceptInvitation(
  ctx: UserServiceContext,
  input: AcceptInviteInput,
): Promise<AcceptInviteOutput> {
  const { deps, principal } = ctx;
  // Membership follows the address the invitation went to, so that address must be proven first.
  if (!principal.emailVerified) {
    throw forbidden("unverified", "Confirm your email address before accepting invitations");
  }
  const tokenHash = hmacSha256(deps.hmacKeys.invitation, input.token);
  return deps.db.transaction(async (tx) => {
    const [invitation] = await tx
      .select({
        id: invitations.id,
        orgId: invitations.orgId,
        email: invitations.email,
        role: invitations.role,
        expiresAt: invitations.expiresAt,
        acceptedAt: invitations.acceptedAt,
        revokedAt: invitations.revokedAt,
      })
      .from(invitations)
      .where(eq(invitations.tokenHash, tokenHash))
      // Locked, so a concurrent accept waits here and then sees the invitation used (404), rather than
      // slipping past this check and answering with whatever the first accept had committed by then.
      .for("update");
    if (!invitation || invitation.acceptedAt || invitation.revokedAt) throw invitationNotFound();
    const now = new Date();
    if (invitation.expiresAt <= now) {
      throw invalidField(
        "token",
        "This invitation has expired; ask an admin of the organization to invite you again",
        "expired",
      );
    }
    // Both are stored normalized (trimmed, lower-cased) on the way in.
    if (invitation.email !== principal.email) {
      throw forbidden(
        "not_invitee",
        "This invitation was sent to a different email address; sign in with that address",
      );
    }
    const [member] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.orgId, invitation.orgId), eq(memberships.userId, principal.userId)));
    if (member) throw conflict("already_member", "You are already a member of this organization");

    // The conditional update is the single-use guarantee: of two concurrent accepts only one matches.
    const [claimed] = await tx
      .update(invitations)
      .set({ acceptedAt: now, acceptedBy: principal.userId })
      .where(
        and(
          eq(invitations.id, invitation.id),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, now),
        ),
      )
      .returning({ id: invitations.id });
    if (!claimed) throw invitationNotFound();
    const [joined] = await tx
      .insert(memberships)
      .values({ orgId: invitation.orgId, userId: principal.userId, role: invitation.role })
      .onConflictDoNothing()
      .returning({ userId: memberships.userId });
    if (!joined) throw conflict("already_member", "You are already a member of this organization");
    await recordAudit(tx, ctx.audit, {
      orgId: invitation.orgId,
      action: "member.joined",
      resourceType: "member",
      resourceId: principal.userId,
      after: { email: invitation.email, role: invitation.role, invitationId: invitation.id },
    });
    await emitEvent(tx, {
      orgId: invitation.orgId,
      type: "member.added",
      data: { userId: principal.userId, email: invitation.email, role: invitation.role },
    });
    return { orgId: invitation.orgId, role: invitation.role };
  });
}
