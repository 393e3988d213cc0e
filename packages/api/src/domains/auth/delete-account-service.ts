import { and, eq, inArray, memberships, ne, organizations, users } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { conflict } from "../../core/errors";
import { confirmPassword, type UserAuthContext } from "./account-service";

/**
 * Deletes the caller's account after re-checking the password. An org the caller alone owns would be
 * left without anyone able to manage or delete it, so each must be transferred or deleted first (409
 * `sole_owner`, naming them). Sessions and memberships go by cascade; the audit record has no org.
 */
export async function deleteAccount(ctx: UserAuthContext, password: string): Promise<{ ok: true }> {
  const { deps, principal } = ctx;
  const user = await confirmPassword(ctx, password, { field: "password", message: "Password is incorrect" });

  await deps.db.transaction(async (tx) => {
    const owned = await tx
      .select({ orgId: memberships.orgId, name: organizations.name })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(and(eq(memberships.userId, principal.userId), eq(memberships.role, "owner")))
      .for("update");
    // The orgs among them that someone else owns too, in one query (none to ask about: no query).
    const ownedIds = owned.map((org) => org.orgId);
    const coOwners =
      ownedIds.length === 0
        ? []
        : await tx
            .selectDistinct({ orgId: memberships.orgId })
            .from(memberships)
            .where(
              and(
                inArray(memberships.orgId, ownedIds),
                eq(memberships.role, "owner"),
                ne(memberships.userId, principal.userId),
              ),
            );
    const coOwned = new Set(coOwners.map((row) => row.orgId));
    const soleOwned = owned.filter((org) => !coOwned.has(org.orgId)).map((org) => org.name);
    if (soleOwned.length > 0)
      throw conflict(
        "sole_owner",
        `Transfer or delete the organizations you alone own first: ${soleOwned.join(", ")}`,
      );
    await tx.delete(users).where(eq(users.id, principal.userId));
    await recordAudit(tx, ctx.audit, {
      orgId: null,
      action: "user.deleted",
      resourceType: "user",
      resourceId: principal.userId,
      before: { email: user.email, memberships: owned.length },
    });
  });
  return { ok: true };
}
