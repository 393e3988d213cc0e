import { refreshTokenFamilies, refreshTokens, type Transaction, users } from "@kyro/db";
import { burnPasswordCheck, hashPassword, hmacSha256, type LimitState, verifyPassword } from "@kyro/platform";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { type AuditScope, recordAudit } from "../../audit-log";
import type { RequestInfo } from "../../context";
import type { AppDeps } from "../../deps";
import { AppError } from "../../errors";
import { assertPasswordPolicy } from "./password-policy";
import type { LoginInput, RefreshInput, SessionResult, SignupInput, TokensResult } from "./schemas";
import { hashRefreshToken, issueTokens, openSession, revokeSession } from "./sessions";

export interface PublicAuthContext {
  deps: AppDeps;
  request: RequestInfo;
}

const INVALID_CREDENTIALS = "Invalid email or password";
const INVALID_REFRESH_TOKEN = "Invalid or expired refresh token";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The per-account throttle's key: an HMAC of the email, so Redis (and its dumps) never hold a list of
 * the addresses people tried to sign in with.
 */
export function accountThrottleKey(deps: AppDeps, email: string): string {
  return hmacSha256(deps.hmacKeys.throttleKey, email);
}

export function throttled(...states: LimitState[]): AppError {
  const retryAfterSeconds = Math.max(1, ...states.map((state) => state.retryAfterSeconds));
  return new AppError("TOO_MANY_REQUESTS", "Too many failed attempts; try again later", {
    retryAfterSeconds,
  });
}

function userScope(request: RequestInfo, user: { id: string; email: string }): AuditScope {
  return { actor: { type: "user", id: user.id, label: user.email }, request };
}

export async function signup(ctx: PublicAuthContext, input: SignupInput): Promise<SessionResult> {
  const { deps, request } = ctx;
  const email = normalizeEmail(input.email);
  assertPasswordPolicy(input.password, email);
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email, name: input.name ?? "", passwordHash })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id, email: users.email, name: users.name });
    if (!user) throw new AppError("CONFLICT", "An account with this email already exists");
    const sessionId = await openSession(tx, deps, user.id, request);
    const tokens = await issueTokens(tx, deps, { userId: user.id, sessionId, activeOrgId: null });
    await recordAudit(tx, userScope(request, user), {
      orgId: null,
      action: "user.signed_up",
      resourceType: "user",
      resourceId: user.id,
      after: { email: user.email, name: user.name, sessionId },
    });
    return { ...tokens, user };
  });
}

/**
 * Unknown emails and wrong passwords take the same path, cost the same argon2 work and give the
 * same error. Only failures count against the per-account and per-IP limits; a success clears the
 * account's count so a user who mistypes now and then is never locked out.
 */
export async function login(ctx: PublicAuthContext, input: LoginInput): Promise<SessionResult> {
  const { deps, request } = ctx;
  const { loginPerAccount, loginPerIp } = deps.limiters;
  const email = normalizeEmail(input.email);
  const accountKey = accountThrottleKey(deps, email);
  const [accountState, ipState] = await Promise.all([
    loginPerAccount.peek(accountKey),
    loginPerIp.peek(request.ip),
  ]);
  if (!accountState.allowed || !ipState.allowed) throw throttled(accountState, ipState);

  const [user] = await deps.db
    .select({ id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  const valid = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await burnPasswordCheck(input.password);
  if (!user || !valid) {
    await Promise.all([loginPerAccount.consume(accountKey), loginPerIp.consume(request.ip)]);
    throw new AppError("UNAUTHORIZED", INVALID_CREDENTIALS);
  }
  await loginPerAccount.reset(accountKey);

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
