import { and, eq, isNull, refreshTokenFamilies, users } from "@kyro/db";
import type { AppDeps } from "./deps";
import { unauthorized } from "./errors";
import { API_KEY_PREFIX, type Principal, type UserPrincipal } from "./principal";

const BEARER_PREFIX = "Bearer ";
const CANONICAL_BEARER = /^Bearer \S+$/;

/** Reads `Authorization: Bearer <token>`; null when absent, UNAUTHORIZED when present but malformed. */
export function bearerToken(authorization: string | null): string | null {
  if (!authorization) return null;
  // The usual form, checked without building a match; any other spelling takes the full pattern.
  if (CANONICAL_BEARER.test(authorization)) return authorization.slice(BEARER_PREFIX.length);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthorized("Authorization must be `Bearer <token>`");
  return match[1];
}

/**
 * Resolves the caller from the Authorization header: an API key (by its prefix) or a user access token.
 * Returns null for an anonymous request and throws UNAUTHORIZED for any credential that does not verify.
 */
export async function authenticateBearer(
  deps: AppDeps,
  authorization: string | null,
): Promise<Principal | null> {
  const token = bearerToken(authorization);
  if (!token) return null;
  if (token.startsWith(API_KEY_PREFIX)) return deps.apiKeys.verify(token);
  return authenticateAccessToken(deps, token);
}

/**
 * The session is checked on every request, so logout, password change and reuse detection cut off
 * access tokens at once rather than when they expire.
 */
async function authenticateAccessToken(deps: AppDeps, token: string): Promise<UserPrincipal> {
  const claims = await deps.accessTokens.verify(token);
  if (!claims) throw unauthorized("Invalid or expired access token");
  const [session] = await deps.db
    .select({ email: users.email, emailVerifiedAt: users.emailVerifiedAt })
    .from(refreshTokenFamilies)
    .innerJoin(users, eq(users.id, refreshTokenFamilies.userId))
    .where(
      and(
        eq(refreshTokenFamilies.id, claims.sessionId),
        eq(refreshTokenFamilies.userId, claims.userId),
        isNull(refreshTokenFamilies.revokedAt),
      ),
    )
    .limit(1);
  if (!session) throw unauthorized("Session has ended");
  return {
    kind: "user",
    userId: claims.userId,
    email: session.email,
    emailVerified: session.emailVerifiedAt !== null,
    sessionId: claims.sessionId,
    activeOrgId: claims.activeOrgId,
  };
}
