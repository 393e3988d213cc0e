import { eq, organizations, sql, type Transaction } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { conflict, notFound } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import type { AdminScope } from "./service";

const suspensionColumns = {
  id: organizations.id,
  name: organizations.name,
  slug: organizations.slug,
  suspendedAt: organizations.suspendedAt,
  suspendedReason: organizations.suspendedReason,
};

/**
 * Drops everything cached that would let the org's callers in: API key records and live widgets, here
 * and (over the invalidation channel) in every other process. Member sessions need nothing: the
 * membership is read with the org's status on every call.
 */
async function dropOrgCaches(scope: AdminScope, orgId: string): Promise<void> {
  await Promise.all([scope.deps.apiKeys.invalidateOrg(orgId), scope.deps.liveWidgets.invalidate(orgId)]);
}

/** The org's suspension as it stands, its row locked until the change commits; 404 for no such org. */
async function lockedOrg(tx: Transaction, orgId: string) {
  const [current] = await tx
    .select(suspensionColumns)
    .from(organizations)
    .where(eq(organizations.id, orgId))
    .for("update");
  if (!current) throw notFound("Organization");
  return current;
}

export async function suspendOrg(scope: AdminScope, input: { orgId: string; reason?: string }) {
  const org = await scope.deps.db.transaction(async (tx) => {
    const current = await lockedOrg(tx, input.orgId);
    if (current.suspendedAt) throw conflict("already_suspended", "The organization is already suspended");
    const [after] = await tx
      .update(organizations)
      .set({ suspendedAt: sql`now()`, suspendedReason: input.reason ?? null, updatedAt: sql`now()` })
      .where(eq(organizations.id, input.orgId))
      .returning(suspensionColumns);
    if (!after?.suspendedAt) throw notFound("Organization");
    await recordAudit(tx, scope.audit, {
      orgId: input.orgId,
      action: "org.suspended",
      resourceType: "organization",
      resourceId: input.orgId,
      before: { suspendedAt: null },
      after: { suspendedAt: after.suspendedAt, reason: after.suspendedReason },
    });
    await emitEvent(tx, {
      orgId: input.orgId,
      type: "org.suspended",
      data: {
        orgId: input.orgId,
        reason: after.suspendedReason,
        suspendedAt: after.suspendedAt.toISOString(),
      },
    });
    return after;
  });
  await dropOrgCaches(scope, input.orgId);
  return { org };
}

export async function reinstateOrg(scope: AdminScope, input: { orgId: string }) {
  const org = await scope.deps.db.transaction(async (tx) => {
    const current = await lockedOrg(tx, input.orgId);
    if (!current.suspendedAt) throw conflict("not_suspended", "The organization is not suspended");
    const [after] = await tx
      .update(organizations)
      .set({ suspendedAt: null, suspendedReason: null, updatedAt: sql`now()` })
      .where(eq(organizations.id, input.orgId))
      .returning({ ...suspensionColumns, updatedAt: organizations.updatedAt });
    if (!after) throw notFound("Organization");
    await recordAudit(tx, scope.audit, {
      orgId: input.orgId,
      action: "org.reinstated",
      resourceType: "organization",
      resourceId: input.orgId,
      before: { suspendedAt: current.suspendedAt, reason: current.suspendedReason },
      after: { suspendedAt: null },
    });
    await emitEvent(tx, {
      orgId: input.orgId,
      type: "org.reinstated",
      data: { orgId: input.orgId, reinstatedAt: after.updatedAt.toISOString() },
    });
    const { updatedAt: _updatedAt, ...org } = after;
    return org;
  });
  await dropOrgCaches(scope, input.orgId);
  return { org };
}
