import { eq, sql, users } from "@kyro/db";
import { hashPassword } from "@kyro/platform";
import { recordAudit } from "../../core/audit-log";
import { passwordResetMail, sendInBackground } from "./mails";
import { assertPasswordPolicy } from "./password-policy";
import type { AccountEmailInput, ResetPasswordInput } from "./schemas";
import { normalizeEmail, type PublicAuthContext, userScope } from "./service";
import { revokeUserSessions } from "./sessions";
import { accountThrottleKey, admitAccountMail } from "./throttles";
import { claimUserToken, issueUserToken, peekUserToken, retireUserTokens } from "./user-tokens";

/**
 * Mails a reset link when the address has an account, and answers the same either way (the mail goes
 * out in the background, so the timing does not tell either). The new link retires earlier ones.
 * Recorded against the account, with the caller's IP: the caller is not known to be its owner.
 */
export async function requestPasswordReset(
  ctx: PublicAuthContext,
  input: AccountEmailInput,
): Promise<{ ok: true }> {
  const { deps, request } = ctx;
  const email = normalizeEmail(input.email);
  const mayMail = await admitAccountMail(deps, email, request);
  const [user] = await deps.db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  if (!mayMail || !user) return { ok: true };
  const ttlMs = deps.settings.passwordResetTtlMinutes * 60_000;
  const link = await deps.db.transaction(async (tx) => {
    const issued = await issueUserToken(tx, deps, user, "reset_password", ttlMs);
    await recordAudit(tx, userScope(request, user), {
      orgId: null,
      action: "user.password_reset_requested",
      resourceType: "user",
      resourceId: user.id,
      after: { linkExpiresAt: issued.expiresAt },
    });
    return issued;
  });
  sendInBackground(deps, passwordResetMail(deps.settings, email, link.token, link.expiresAt), "reset");
  return { ok: true };
}

/**
 * Uses a reset link: sets the new password, ends every session of the user (whoever knew the old
 * password is out) and counts the address as verified — the link proved the mailbox. The account's
 * failed sign-in counts are cleared, so an owner locked out by someone else's guessing gets back in.
 */
export async function resetPassword(
  ctx: PublicAuthContext,
  input: ResetPasswordInput,
): Promise<{ ok: true }> {
  const { deps, request } = ctx;
  // The policy needs the address, and a dead link should fail before the argon2 work.
  const target = await peekUserToken(deps.db, deps, input.token, "reset_password");
  assertPasswordPolicy(input.newPassword, target.email, "newPassword");
  const passwordHash = await hashPassword(input.newPassword);

  await deps.db.transaction(async (tx) => {
    const user = await claimUserToken(tx, deps, input.token, "reset_password");
    const [updated] = await tx
      .update(users)
      .set({
        passwordHash,
        passwordChangedAt: sql`now()`,
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
      })
      .where(eq(users.id, user.userId))
      .returning({ emailVerifiedAt: users.emailVerifiedAt });
    await retireUserTokens(tx, user.userId, ["verify_email", "reset_password"]);
    const revoked = await revokeUserSessions(tx, user.userId, "password_reset");
    const scope = userScope(request, { id: user.userId, email: user.email });
    await recordAudit(tx, scope, {
      orgId: null,
      action: "user.password_reset",
      resourceType: "user",
      resourceId: user.userId,
      after: { revokedSessionIds: revoked },
    });
    if (!user.emailVerifiedAt) {
      await recordAudit(tx, scope, {
        orgId: null,
        action: "user.email_verified",
        resourceType: "user",
        resourceId: user.userId,
        after: {
          email: user.email,
          emailVerifiedAt: updated?.emailVerifiedAt ?? null,
          via: "password_reset",
        },
      });
    }
  });
  const accountKey = accountThrottleKey(deps, target.email);
  await Promise.all([
    deps.limiters.loginPerAccount.reset(accountKey),
    deps.limiters.passwordCheckPerAccount.reset(accountKey),
  ]);
  return { ok: true };
}
