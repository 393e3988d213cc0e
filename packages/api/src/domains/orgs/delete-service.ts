import { apiKeys, count, eq, organizations } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { invalidField, notFound } from "../../core/errors";
import type { OrgServiceContext } from "./service";

/**
 * Deletes the organization: every row it owns goes by cascade (bots, conversations, keys, webhook
 * endpoints and their pending deliveries, its audit events), so its webhooks stop and its keys stop
 * verifying. The record of the deletion is an audit event with no org (it must outlive the org's own
 * log). After the commit, every cache holding the org is dropped here and, over Redis, everywhere.
 */
export async function deleteOrg(ctx: OrgServiceContext, confirmName: string): Promise<{ ok: true }> {
  const { deps, org } = ctx;
  await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ name: organizations.name, slug: organizations.slug })
      .from(organizations)
      .where(eq(organizations.id, org.orgId))
      .for("update");
    if (!row) throw notFound("Organization");
    if (row.name !== confirmName)
      throw invalidField(
        "confirmName",
        "Type the organization's exact name to delete it",
        "confirmation_mismatch",
      );
    const [keys] = await tx.select({ n: count() }).from(apiKeys).where(eq(apiKeys.orgId, org.orgId));
    await tx.delete(organizations).where(eq(organizations.id, org.orgId));
    await recordAudit(tx, ctx.audit, {
      orgId: null,
      action: "org.deleted",
      resourceType: "organization",
      resourceId: org.orgId,
      before: { name: row.name, slug: row.slug, revokedKeys: keys?.n ?? 0 },
    });
  });
  await Promise.all([
    deps.apiKeys.invalidateOrg(org.orgId),
    deps.requestLimits.cache.invalidate(org.orgId),
    deps.liveWidgets.invalidate(org.orgId),
    deps.modelTargets.invalidate(org.orgId),
  ]);
  return { ok: true };
}
