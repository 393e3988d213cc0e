import { and, compileStatement, eq, isNull, organizations, refreshTokenFamilies, sql, users } from "@kyro/db";
import { hashPassword, verifyPassword } from "@kyro/platform";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { invalidField, unauthorized } from "../../core/errors";
import type { UserOrgScope } from "../../core/org-scope";
import type { ApiKeyPrincipal, Principal, UserPrincipal } from "../../core/principal";
import { memberOrgs } from "../orgs/index";
import { assertPasswordPolicy } from "./password-policy";
import type {
  ApiKeyMeResult,
  ChangePasswordInput,
  LogoutInput,
  MeResult,
  SwitchOrgResult,
  UserMeResult,
} from "./schemas";
import { issueTokens, retireRefreshTokens, revokeSession, revokeUserSessions } from "./sessions";
import { accountThrottleKey, FAILED_ATTEMPTS, peekThrottle, throttled } from "./throttles";

export interface UserAuthContext {
  deps: AppDeps;
  principal: UserPrincipal;
  audit: AuditScope;
}

export interface OrgAuthContext extends UserAuthContext {
  org: UserOrgScope;
}

const SESSION_ENDED = "Session has ended";

/** The caller, for either kind of principal. Not async itself: it only picks which to run. */
export function me(ctx: { deps: AppDeps; principal: Principal }): Promise<MeResult> {
  const { deps, principal } = ctx;
  return principal.kind === "user" ? userMe(deps, principal) : apiKeyMe(deps, principal);
}

async function userMe(deps: AppDeps, principal: UserPrincipal): Promise<UserMeResult> {
  const [row] = await deps.db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      createdAt: users.createdAt,
      activeOrgId: refreshTokenFamilies.activeOrgId,
    })
    .from(refreshTokenFamilies)
    .innerJoin(users, eq(users.id, refreshTokenFamilies.userId))
    .where(and(eq(refreshTokenFamilies.id, principal.sessionId), eq(users.id, principal.userId)))
    .limit(1);
  if (!row) throw unauthorized(SESSION_ENDED);
  const orgs = (await memberOrgs({ deps, principal })).map(({ id, name, slug, role }) => ({
    id,
    name,
    slug,
    role,
  }));
  const { activeOrgId, ...user } = row;
  // A session can still point at an org the user has since left; that org is no longer active.
  const stillMember = activeOrgId !== null && orgs.some((org) => org.id === activeOrgId);
  return { kind: "user", user, activeOrgId: stillMember ? activeOrgId : null, orgs };
}

/**
 * The key's org, read on every key-authenticated `me` (still one query each time: a rename or a deletion
 * shows at once). Compiled: rendering it through Drizzle on every call was the largest single CPU cost
 * of a key-authenticated `GET /api/v1/me` in profiles.
 */
const keyOrgStatement = compileStatement(["orgId"], (db) =>
  db
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug })
    .from(organizations)
    // The primary key: at most one row, no LIMIT needed (Drizzle would bind it as a value).
    .where(eq(organizations.id, sql.placeholder("orgId"))),
);

async function apiKeyMe(deps: AppDeps, principal: ApiKeyPrincipal): Promise<ApiKeyMeResult> {
  const [org] = await keyOrgStatement(deps.db, { orgId: principal.orgId });
  // Deleting an org deletes its keys; a cached key of a just-deleted org is no longer valid.
  if (!org) throw unauthorized("Invalid API key");
  return {
    kind: "apiKey",
    apiKey: {
      id: principal.keyId,
      name: principal.name,
      scopes: [...principal.scopes],
      botId: principal.botId,
    },
    org,
  };
}

export async function logout(ctx: UserAuthContext, input: LogoutInput): Promise<{ ok: true }> {
  const { deps, principal } = ctx;
  const allSessions = input?.allSessions ?? false;
  await deps.db.transaction(async (tx) => {
    let revoked: string[];
    if (allSessions) {
      revoked = await revokeUserSessions(tx, principal.userId, "logout_all");
    } else {
      revoked = (await revokeSession(tx, principal.sessionId, "logout")) ? [principal.sessionId] : [];
    }
    await recordAudit(tx, ctx.audit, {
      orgId: null,
      action: "session.revoked",
      resourceType: "session",
      resourceId: principal.sessionId,
      after: { reason: allSessions ? "logout_all" : "logout", revokedSessionIds: revoked },
    });
  });
  return { ok: true };
}

/**
 * Re-checks the signed-in caller's password before a change a stolen access token must not make alone;
 * answers the caller's email. Wrong passwords count against a strict per-account limit of their own, so
 * the token cannot be used to guess the password, and against the soft per-account sign-in limit, as
 * the guesses they are; they never touch the limits that would stop the owner signing in elsewhere.
 */
export async function confirmPassword(
  ctx: UserAuthContext,
  password: string,
  wrong: { field: string; message: string },
): Promise<{ email: string }> {
  const { deps, principal } = ctx;
  const { passwordCheckPerAccount, loginPerAccount } = deps.limiters;
  const [user] = await deps.db
    .select({ email: users.email, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, principal.userId))
    .limit(1);
  if (!user) throw unauthorized(SESSION_ENDED);
  const accountKey = accountThrottleKey(deps, user.email);
  const checks = await Promise.all([
    peekThrottle("password-check-account", "user", passwordCheckPerAccount, accountKey),
    peekThrottle("login-account", "user", loginPerAccount, accountKey),
  ]);
  if (checks.some((check) => !check.state.allowed)) throw throttled(FAILED_ATTEMPTS, ...checks);
  if (!(await verifyPassword(user.passwordHash, password))) {
    await Promise.all([passwordCheckPerAccount.consume(accountKey), loginPerAccount.consume(accountKey)]);
    throw invalidField(wrong.field, wrong.message, "incorrect_password");
  }
  await passwordCheckPerAccount.reset(accountKey);
  return { email: user.email };
}

/**
 * Other sessions are revoked because a password change is how a user evicts someone who knew the old
 * one; the current session keeps working.
 */
export async function changePassword(
  ctx: UserAuthContext,
  input: ChangePasswordInput,
): Promise<{ ok: true }> {
  const { deps, principal } = ctx;
  const user = await confirmPassword(ctx, input.currentPassword, {
    field: "currentPassword",
    message: "Current password is incorrect",
  });
  assertPasswordPolicy(input.newPassword, user.email, "newPassword");
  const passwordHash = await hashPassword(input.newPassword);

  await deps.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ passwordHash, passwordChangedAt: sql`now()` })
      .where(eq(users.id, principal.userId))
      .returning({ passwordChangedAt: users.passwordChangedAt });
    if (!updated) throw unauthorized(SESSION_ENDED);
    const revoked = await revokeUserSessions(tx, principal.userId, "password_changed", principal.sessionId);
    await recordAudit(tx, ctx.audit, {
      orgId: null,
      action: "user.password_changed",
      resourceType: "user",
      resourceId: principal.userId,
      after: { passwordChangedAt: updated.passwordChangedAt, revokedSessionIds: revoked },
    });
  });
  return { ok: true };
}

/**
 * Points the session at another org and rotates: every refresh token issued before the switch is
 * retired (presenting one later counts as reuse), so only the returned pair carries on the session.
 * Membership was already checked by orgUserProcedure.
 */
export async function switchOrg(ctx: OrgAuthContext): Promise<SwitchOrgResult> {
  const { deps, principal, org } = ctx;
  return deps.db.transaction(async (tx) => {
    // Tokens before the family row: the same lock order as auth.refresh, so the two cannot deadlock.
    await retireRefreshTokens(tx, principal.sessionId);
    const [previous] = await tx
      .select({ activeOrgId: refreshTokenFamilies.activeOrgId })
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.id, principal.sessionId))
      .limit(1);
    const [session] = await tx
      .update(refreshTokenFamilies)
      .set({ activeOrgId: org.orgId })
      .where(and(eq(refreshTokenFamilies.id, principal.sessionId), isNull(refreshTokenFamilies.revokedAt)))
      .returning({ id: refreshTokenFamilies.id });
    if (!session) throw unauthorized(SESSION_ENDED);
    const tokens = await issueTokens(tx, deps, {
      userId: principal.userId,
      sessionId: principal.sessionId,
      activeOrgId: org.orgId,
    });
    await recordAudit(tx, ctx.audit, {
      orgId: org.orgId,
      action: "session.org_switched",
      resourceType: "session",
      resourceId: principal.sessionId,
      before: { activeOrgId: previous?.activeOrgId ?? null },
      after: { activeOrgId: org.orgId },
    });
    return { ...tokens, activeOrgId: org.orgId };
  });
}
