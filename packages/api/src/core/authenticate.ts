import { and, eq, isNull, refreshTokenFamilies, users } from "@kyro/db";
import { bearerToken } from "./bearer";
import type { AppDeps } from "./deps";
import { unauthorized } from "./errors";
import { API_KEY_PREFIX, type Principal, type UserPrincipal } from "./principal";

/**
 * Resolves the caller from a bearer token: an API key (by its prefix) or a user access token. Returns
 * null for an anonymous request and throws UNAUTHORIZED for any credential that does not verify.
 */
export async function authenticateToken(deps: AppDeps, token: string | null): Promise<Principal | null> {
  if (!token) return null;
  if (token.startsWith(API_KEY_PREFIX)) return deps.apiKeys.verify(token);
  return authenticateAccessToken(deps, token);
}

/** `authenticateToken` for a raw `Authorization` header (benchmarks and tools outside a request context). */
export function authenticateBearer(deps: AppDeps, authorization: string | null): Promise<Principal | null> {
  return authenticateToken(deps, bearerToken(authorization));
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
        // Disabling revokes the sessions too; this also covers a session opened in a race with it.
        isNull(users.disabledAt),
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
