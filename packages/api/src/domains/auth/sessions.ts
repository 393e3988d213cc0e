import {
  and,
  eq,
  isNull,
  ne,
  refreshTokenFamilies,
  refreshTokens,
  sql,
  type Transaction,
  users,
} from "@kyro/db";
import { hmacSha256, randomToken } from "@kyro/platform";
import type { AppDeps } from "../../core/deps";
import { forbidden } from "../../core/errors";
import type { RequestInfo } from "../../core/request-info";

const REFRESH_TOKEN_PREFIX = "kyro_rt_";

export type RevokeReason =
  | "logout"
  | "logout_all"
  | "password_changed"
  | "password_reset"
  | "reuse_detected"
  | "user_disabled"
  | "operator_revoked"
  | "operator_password_reset";

const ACCOUNT_DISABLED = "This account has been disabled by an operator";

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
}

export function hashRefreshToken(deps: AppDeps, token: string): string {
  return hmacSha256(deps.hmacKeys.refreshToken, token);
}

function refreshExpiry(deps: AppDeps): Date {
  return new Date(Date.now() + deps.settings.refreshTokenTtlDays * 86_400_000);
}

/**
 * Starts a session (one refresh-token family) and returns its id. Every sign-in comes through here, so
 * this is where a disabled account is refused and the last sign-in recorded, in one statement.
 */
export async function openSession(
  tx: Transaction,
  deps: AppDeps,
  userId: string,
  request: RequestInfo,
): Promise<string> {
  const [enabled] = await tx
    .update(users)
    .set({ lastLoginAt: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.disabledAt)))
    .returning({ id: users.id });
  if (!enabled) throw forbidden("account_disabled", ACCOUNT_DISABLED);
  const [family] = await tx
    .insert(refreshTokenFamilies)
    .values({ userId, ip: request.ip, userAgent: request.userAgent, expiresAt: refreshExpiry(deps) })
    .returning({ id: refreshTokenFamilies.id });
  if (!family) throw new Error("session insert returned no row");
  return family.id;
}

/**
 * Mints the family's next refresh token and slides the family's expiry to match it, so an idle
 * session ends when its newest token does.
 */
export async function issueRefreshToken(tx: Transaction, deps: AppDeps, familyId: string): Promise<string> {
  const token = randomToken(REFRESH_TOKEN_PREFIX);
  const expiresAt = refreshExpiry(deps);
  await tx.insert(refreshTokens).values({ familyId, tokenHash: hashRefreshToken(deps, token), expiresAt });
  await tx
    .update(refreshTokenFamilies)
    .set({ expiresAt, lastUsedAt: sql`now()` })
    .where(eq(refreshTokenFamilies.id, familyId));
  return token;
}

/** Issues an access token for the session and a fresh refresh token in its family. */
export async function issueTokens(
  tx: Transaction,
  deps: AppDeps,
  claims: { userId: string; sessionId: string; activeOrgId: string | null },
): Promise<IssuedTokens> {
  const refreshToken = await issueRefreshToken(tx, deps, claims.sessionId);
  const access = await deps.accessTokens.sign(claims);
  return { accessToken: access.token, refreshToken, accessTokenExpiresAt: access.expiresAt };
}

/** Marks every live refresh token of the family as used, so only a token issued afterwards works. */
export async function retireRefreshTokens(tx: Transaction, familyId: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ rotatedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.rotatedAt)));
}

/** Revokes one live session; returns whether it was live. */
export async function revokeSession(
  tx: Transaction,
  sessionId: string,
  reason: RevokeReason,
): Promise<boolean> {
  const revoked = await tx
    .update(refreshTokenFamilies)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(refreshTokenFamilies.id, sessionId), isNull(refreshTokenFamilies.revokedAt)))
    .returning({ id: refreshTokenFamilies.id });
  return revoked.length > 0;
}

/** Revokes the user's live sessions, except `keepSessionId` when given; returns the revoked ids. */
export async function revokeUserSessions(
  tx: Transaction,
  userId: string,
  reason: RevokeReason,
  keepSessionId?: string,
): Promise<string[]> {
  const revoked = await tx
    .update(refreshTokenFamilies)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(
      and(
        eq(refreshTokenFamilies.userId, userId),
        isNull(refreshTokenFamilies.revokedAt),
        keepSessionId ? ne(refreshTokenFamilies.id, keepSessionId) : undefined,
      ),
    )
    .returning({ id: refreshTokenFamilies.id });
  return revoked.map((row) => row.id);
}
