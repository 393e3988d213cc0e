import { eq, sql, users } from "@kyro/db";
import { hashPassword, verifyPassword } from "@kyro/platform";
import { recordAudit } from "../../core/audit-log";
import { AppError } from "../../core/errors";
import { sendInBackground, signupAttemptMail, verificationMail } from "./mails";
import { assertPasswordPolicy } from "./password-policy";
import type {
  AccountEmailInput,
  SessionResult,
  SignupInput,
  SignupResult,
  VerifyEmailInput,
} from "./schemas";
import { normalizeEmail, type PublicAuthContext, userScope } from "./service";
import { issueTokens, openSession } from "./sessions";
import { admitAccountMail, loginThrottle } from "./throttles";
import { claimUserToken, issueUserToken, peekUserToken, retireUserTokens } from "./user-tokens";

function verificationTtlMs(ctx: PublicAuthContext): number {
  return ctx.deps.settings.emailVerificationTtlHours * 3_600_000;
}

/**
 * Answers the same for a new address and a registered one, after the same argon2 work, so sign-up
 * cannot be used to learn who has an account. A new address gets an unconfirmed account and a
 * verification link; a registered one gets nothing but a mail telling its owner of the attempt.
 * Either way no session is issued: the link (verifyEmail) signs the new user in.
 */
export async function signup(ctx: PublicAuthContext, input: SignupInput): Promise<SignupResult> {
  const { deps, request } = ctx;
  const email = normalizeEmail(input.email);
  assertPasswordPolicy(input.password, email, "password");
  const mayMail = await admitAccountMail(deps, email, request);
  const passwordHash = await hashPassword(input.password);
  const created = await deps.db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email, name: input.name ?? "", passwordHash })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id, email: users.email, name: users.name });
    if (!user) return null;
    const link = await issueUserToken(tx, deps, user, "verify_email", verificationTtlMs(ctx));
    await recordAudit(tx, userScope(request, user), {
      orgId: null,
      action: "user.signed_up",
      resourceType: "user",
      resourceId: user.id,
      after: { email: user.email, name: user.name, verificationExpiresAt: link.expiresAt },
    });
    return link;
  });
  if (mayMail) {
    if (created) {
      sendInBackground(
        deps,
        verificationMail(deps.settings, email, created.token, created.expiresAt),
        "verify",
      );
    } else {
      sendInBackground(deps, signupAttemptMail(deps.settings, email), "signup_attempt");
    }
  }
  return { verificationRequired: true, email };
}

/**
 * Uses a verification link: confirms the address and signs the user in with a new session. The link
 * must come with the password chosen at sign-up. Without that check, someone who signed up first with
 * another person's address would get the account confirmed by its owner's click and keep its password.
 * A wrong password leaves the link usable and counts as a failed sign-in for the account.
 */
export async function verifyEmail(ctx: PublicAuthContext, input: VerifyEmailInput): Promise<SessionResult> {
  const { deps, request } = ctx;
  const linked = await peekUserToken(deps.db, deps, input.token, "verify_email");
  const throttle = loginThrottle(deps, linked.email, request);
  await throttle.assertAllowed();
  const [account] = await deps.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, linked.userId))
    .limit(1);
  if (!account || !(await verifyPassword(account.passwordHash, input.password))) {
    await throttle.recordFailure();
    throw new AppError("BAD_REQUEST", "The password does not match the one chosen at sign-up", {
      issues: [
        { path: "password", code: "password_mismatch", message: "does not match the account's password" },
      ],
    });
  }
  return deps.db.transaction(async (tx) => {
    const user = await claimUserToken(tx, deps, input.token, "verify_email");
    const [verified] = await tx
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
      .where(eq(users.id, user.userId))
      .returning({ emailVerifiedAt: users.emailVerifiedAt });
    await retireUserTokens(tx, user.userId, ["verify_email"]);
    const sessionId = await openSession(tx, deps, user.userId, request);
    const tokens = await issueTokens(tx, deps, { userId: user.userId, sessionId, activeOrgId: null });
    await recordAudit(tx, userScope(request, { id: user.userId, email: user.email }), {
      orgId: null,
      action: "user.email_verified",
      resourceType: "user",
      resourceId: user.userId,
      after: { email: user.email, emailVerifiedAt: verified?.emailVerifiedAt ?? null, sessionId },
    });
    return { ...tokens, user: { id: user.userId, email: user.email, name: user.name } };
  });
}

/** Mails a fresh verification link when the address has an unconfirmed account; always answers ok. */
export async function resendVerification(
  ctx: PublicAuthContext,
  input: AccountEmailInput,
): Promise<{ ok: true }> {
  const { deps, request } = ctx;
  const email = normalizeEmail(input.email);
  const mayMail = await admitAccountMail(deps, email, request);
  const [user] = await deps.db
    .select({ id: users.id, email: users.email, emailVerifiedAt: users.emailVerifiedAt })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  if (!mayMail || !user || user.emailVerifiedAt) return { ok: true };
  const link = await deps.db.transaction(async (tx) => {
    const issued = await issueUserToken(tx, deps, user, "verify_email", verificationTtlMs(ctx));
    await recordAudit(tx, userScope(request, user), {
      orgId: null,
      action: "user.verification_resent",
      resourceType: "user",
      resourceId: user.id,
      after: { verificationExpiresAt: issued.expiresAt },
    });
    return issued;
  });
  sendInBackground(deps, verificationMail(deps.settings, email, link.token, link.expiresAt), "verify");
  return { ok: true };
}
