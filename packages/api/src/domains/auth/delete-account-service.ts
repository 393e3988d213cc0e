import { and, eq, memberships, ne, organizations, users } from "@kyro/db";
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
    const soleOwned: string[] = [];
    for (const org of owned) {
      const [other] = await tx
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(
          and(
            eq(memberships.orgId, org.orgId),
            eq(memberships.role, "owner"),
            ne(memberships.userId, principal.userId),
          ),
        )
        .limit(1);
      if (!other) soleOwned.push(org.name);
    }
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
