import {
  and,
  eq,
  gt,
  isNull,
  refreshTokenFamilies,
  refreshTokens,
  sql,
  type Transaction,
  users,
} from "@kyro/db";
import { burnPasswordCheck, verifyPassword } from "@kyro/platform";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { AppError } from "../../core/errors";
import type { RequestInfo } from "../../core/request-info";
import type { LoginInput, RefreshInput, SessionResult, TokensResult } from "./schemas";
import { hashRefreshToken, issueTokens, openSession, revokeSession } from "./sessions";
import { loginThrottle } from "./throttles";

export interface PublicAuthContext {
  deps: AppDeps;
  request: RequestInfo;
}

/**
 * One message for every refused sign-in, an unconfirmed account included. A distinct answer for those
 * would undo sign-up's neutrality: sign up with an address, then sign in with the password just chosen —
 * "unconfirmed" would mean the address was free, "invalid" that it had an account.
 */
export const INVALID_CREDENTIALS =
  "Invalid email or password (new accounts must confirm their email address first)";
const INVALID_REFRESH_TOKEN = "Invalid or expired refresh token";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function userScope(request: RequestInfo, user: { id: string; email: string }): AuditScope {
  return { actor: { type: "user", id: user.id, label: user.email }, request };
}

/**
 * Unknown emails, wrong passwords and unconfirmed accounts take the same path, cost the same argon2 work
 * and give the same error. Only failures count against the throttles (see throttles.ts).
 */
export async function login(ctx: PublicAuthContext, input: LoginInput): Promise<SessionResult> {
  const { deps, request } = ctx;
  const email = normalizeEmail(input.email);
  const throttle = loginThrottle(deps, email, request);
  await throttle.assertAllowed();

  const [user] = await deps.db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      passwordHash: users.passwordHash,
      emailVerifiedAt: users.emailVerifiedAt,
    })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  const valid = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await burnPasswordCheck(input.password);
  if (!user || !valid || !user.emailVerifiedAt) {
    await throttle.recordFailure();
    throw new AppError("UNAUTHORIZED", INVALID_CREDENTIALS);
  }
  await throttle.recordSuccess();

  return deps.db.transaction(async (tx) => {
    const sessionId = await openSession(tx, deps, user.id, request);
    const tokens = await issueTokens(tx, deps, { userId: user.id, sessionId, activeOrgId: null });
    await recordAudit(tx, userScope(request, user), {
      orgId: null,
      action: "session.created",
      resourceType: "session",
      resourceId: sessionId,
    });
    return { ...tokens, user: { id: user.id, email: user.email, name: user.name } };
  });
}

/**
 * Exchanges a refresh token for a new pair. The claim is one conditional UPDATE, so of two requests
 * racing with the same token exactly one wins; the loser is treated as reuse. Reuse revokes the whole
 * session, because a rotated token coming back means it was copied.
 */
export async function refresh(ctx: PublicAuthContext, input: RefreshInput): Promise<TokensResult> {
  const { deps, request } = ctx;
  const tokenHash = hashRefreshToken(deps, input.refreshToken);
  const tokens = await deps.db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(refreshTokens)
      .set({ rotatedAt: sql`now()` })
      .where(
        and(
          eq(refreshTokens.tokenHash, tokenHash),
          isNull(refreshTokens.rotatedAt),
          gt(refreshTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ familyId: refreshTokens.familyId });
    if (!claimed) {
      // Committed even though the caller gets an error: the revocation must stick.
      await revokeOnReuse(tx, request, tokenHash);
      return null;
    }
    const [session] = await tx
      .select({ userId: users.id, email: users.email, activeOrgId: refreshTokenFamilies.activeOrgId })
      .from(refreshTokenFamilies)
      .innerJoin(users, eq(users.id, refreshTokenFamilies.userId))
      .where(
        and(
          eq(refreshTokenFamilies.id, claimed.familyId),
          isNull(refreshTokenFamilies.revokedAt),
          isNull(users.disabledAt),
          gt(refreshTokenFamilies.expiresAt, sql`now()`),
        ),
      )
      .limit(1);
    // Throwing rolls the claim back; the session is dead either way.
    if (!session) throw new AppError("UNAUTHORIZED", INVALID_REFRESH_TOKEN);
    const issued = await issueTokens(tx, deps, {
      userId: session.userId,
      sessionId: claimed.familyId,
      activeOrgId: session.activeOrgId,
    });
    await recordAudit(tx, userScope(request, { id: session.userId, email: session.email }), {
      orgId: null,
      action: "session.refreshed",
      resourceType: "session",
      resourceId: claimed.familyId,
    });
    return issued;
  });
  if (!tokens) throw new AppError("UNAUTHORIZED", INVALID_REFRESH_TOKEN);
  return tokens;
}

async function revokeOnReuse(tx: Transaction, request: RequestInfo, tokenHash: string): Promise<void> {
  const [presented] = await tx
    .select({
      familyId: refreshTokens.familyId,
      rotatedAt: refreshTokens.rotatedAt,
      userId: users.id,
      email: users.email,
    })
    .from(refreshTokens)
    .innerJoin(refreshTokenFamilies, eq(refreshTokenFamilies.id, refreshTokens.familyId))
    .innerJoin(users, eq(users.id, refreshTokenFamilies.userId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  // Unknown, or never used but expired: nothing was stolen.
  if (!presented?.rotatedAt) return;
  if (!(await revokeSession(tx, presented.familyId, "reuse_detected"))) return;
  await recordAudit(tx, userScope(request, { id: presented.userId, email: presented.email }), {
    orgId: null,
    action: "session.revoked",
    resourceType: "session",
    resourceId: presented.familyId,
    after: { reason: "reuse_detected" },
  });
}
