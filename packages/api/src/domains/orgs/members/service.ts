import {
  and,
  asc,
  eq,
  invitations,
  isNull,
  memberships,
  type Role,
  refreshTokenFamilies,
  type Transaction,
  users,
} from "@kyro/db";
import { recordAudit } from "../../../core/audit-log";
import { conflict, forbidden, notFound } from "../../../core/errors";
import { emitEvent } from "../../../core/events/emit";
import { decodeOffset, offsetPageOf, type PageInput } from "../../../core/pagination";
import { canAssignRole, roleHasPermission } from "../../../core/policy";
import type { OrgCallerContext, OrgServiceContext } from "../service";
import type {
  InvitationList,
  LeaveOutput,
  Member,
  MemberList,
  MemberTargetInput,
  RemoveMemberOutput,
  UpdateRoleInput,
} from "./schemas";

const lastOwner = (message: string) => conflict("last_owner", message);

/**
 * Locks the org's owner rows, in a fixed order, before any membership change. Every change that could
 * remove an owner takes these locks first, so two concurrent demotions or departures serialize and the
 * second sees the first's result instead of both counting two owners; the fixed order avoids deadlocks.
 */
async function lockOwners(tx: Transaction, orgId: string): Promise<string[]> {
  const owners = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")))
    .orderBy(asc(memberships.userId))
    .for("update");
  return owners.map((owner) => owner.userId);
}

/** The columns a member is shown with; never anything from the users table beyond email and name. */
const memberColumns = {
  userId: memberships.userId,
  email: users.email,
  name: users.name,
  role: memberships.role,
  joinedAt: memberships.createdAt,
};

async function lockMember(tx: Transaction, orgId: string, userId: string): Promise<Member | undefined> {
  const [member] = await tx
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .for("update", { of: memberships });
  return member;
}

/** The caller's role read again under the owner locks: it may have changed since the request began. */
async function managerRole(tx: Transaction, ctx: OrgServiceContext): Promise<Role> {
  const [actor] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, ctx.org.orgId), eq(memberships.userId, ctx.principal.userId)));
  if (!actor) throw notFound("Organization");
  if (!roleHasPermission(actor.role, "members:manage")) throw forbidden("role");
  return actor.role;
}

/** A user who is no longer a member must not refresh into a session scoped to this org. */
async function clearActiveOrg(tx: Transaction, orgId: string, userId: string): Promise<void> {
  await tx
    .update(refreshTokenFamilies)
    .set({ activeOrgId: null })
    .where(and(eq(refreshTokenFamilies.userId, userId), eq(refreshTokenFamilies.activeOrgId, orgId)));
}

/** Oldest member first. */
export async function listMembers(
  ctx: Pick<OrgCallerContext, "deps" | "org">,
  page: PageInput,
): Promise<MemberList> {
  const rows = await ctx.deps.db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, ctx.org.orgId))
    .orderBy(asc(memberships.createdAt), asc(memberships.userId))
    .limit(page.limit + 1)
    .offset(decodeOffset(page.cursor));
  return offsetPageOf(rows, page);
}

/** Invitations not yet accepted or revoked, oldest first; expired ones say so in `status`. */
export async function listInvitations(
  ctx: Pick<OrgCallerContext, "deps" | "org">,
  page: PageInput,
): Promise<InvitationList> {
  const pending = await ctx.deps.db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      invitedBy: invitations.invitedBy,
      createdAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
    })
    .from(invitations)
    .where(
      and(
        eq(invitations.orgId, ctx.org.orgId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
      ),
    )
    .orderBy(asc(invitations.createdAt), asc(invitations.id))
    .limit(page.limit + 1)
    .offset(decodeOffset(page.cursor));
  const now = Date.now();
  const { items, nextCursor } = offsetPageOf(pending, page);
  return {
    items: items.map((invitation) => ({
      ...invitation,
      status: invitation.expiresAt.getTime() > now ? "pending" : "expired",
    })),
    nextCursor,
  };
}

export async function updateMemberRole(ctx: OrgServiceContext, input: UpdateRoleInput): Promise<Member> {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    const owners = await lockOwners(tx, orgId);
    const actorRole = await managerRole(tx, ctx);
    const target = await lockMember(tx, orgId, input.userId);
    if (!target) throw notFound("Member");
    if (!canAssignRole(actorRole, target.role, input.role)) {
      throw forbidden("role", "Only an owner can grant the owner role or change an owner's role");
    }
    if (target.role === input.role) return target;
    if (target.role === "owner" && owners.length <= 1) {
      throw lastOwner("The last owner cannot be demoted; make another member owner first");
    }
    await tx
      .update(memberships)
      .set({ role: input.role })
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, input.userId)));
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "member.role_changed",
      resourceType: "member",
      resourceId: input.userId,
      before: { email: target.email, role: target.role },
      after: { email: target.email, role: input.role },
    });
    await emitEvent(tx, {
      orgId,
      type: "member.role_changed",
      data: { userId: input.userId, email: target.email, previousRole: target.role, role: input.role },
    });
    return { ...target, role: input.role };
  });
}

export async function removeMember(
  ctx: OrgServiceContext,
  input: MemberTargetInput,
): Promise<RemoveMemberOutput> {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    const owners = await lockOwners(tx, orgId);
    const actorRole = await managerRole(tx, ctx);
    const target = await lockMember(tx, orgId, input.userId);
    if (!target) throw notFound("Member");
    if (!canAssignRole(actorRole, target.role, null)) {
      throw forbidden("role", "Only an owner can remove an owner");
    }
    if (target.role === "owner" && owners.length <= 1) {
      throw lastOwner("The last owner cannot be removed; make another member owner first");
    }
    await tx
      .delete(memberships)
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, input.userId)));
    await clearActiveOrg(tx, orgId, input.userId);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "member.removed",
      resourceType: "member",
      resourceId: input.userId,
      before: { email: target.email, role: target.role },
    });
    await emitEvent(tx, {
      orgId,
      type: "member.removed",
      data: { userId: input.userId, email: target.email, role: target.role },
    });
    return { orgId, userId: input.userId };
  });
}

export async function leaveOrg(ctx: OrgServiceContext): Promise<LeaveOutput> {
  const { orgId } = ctx.org;
  const { userId } = ctx.principal;
  return ctx.deps.db.transaction(async (tx) => {
    const owners = await lockOwners(tx, orgId);
    const self = await lockMember(tx, orgId, userId);
    if (!self) throw notFound("Organization");
    if (self.role === "owner" && owners.length <= 1) {
      throw lastOwner("The last owner cannot leave; make another member owner first");
    }
    await tx.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    await clearActiveOrg(tx, orgId, userId);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "member.left",
      resourceType: "member",
      resourceId: userId,
      before: { email: self.email, role: self.role },
    });
    await emitEvent(tx, {
      orgId,
      type: "member.removed",
      data: { userId, email: self.email, role: self.role },
    });
    return { orgId };
  });
}
