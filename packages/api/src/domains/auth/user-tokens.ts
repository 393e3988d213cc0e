import {
  and,
  type Executor,
  eq,
  gt,
  inArray,
  isNull,
  sql,
  type UserTokenPurpose,
  users,
  userTokens,
} from "@kyro/db";
import { hmacSha256, randomToken } from "@kyro/platform";
import type { AppDeps } from "../../core/deps";
import { invalidField } from "../../core/errors";

/** Prefixes make a leaked token recognisable (secret scanners, support) and its purpose obvious. */
const TOKEN_PREFIX: Record<UserTokenPurpose, string> = {
  verify_email: "kyro_ev_",
  reset_password: "kyro_pr_",
};

/** One answer for unknown, used, expired and superseded links: which one it was is nobody's business. */
const invalidLink = () =>
  invalidField("token", "This link is invalid or has expired; request a new one", "invalid_token");

interface LinkUser {
  tokenId: string;
  userId: string;
  email: string;
  name: string;
  emailVerifiedAt: Date | null;
}

function hashUserToken(deps: AppDeps, token: string): string {
  return hmacSha256(deps.hmacKeys.userToken, token);
}

/** Marks the user's unused tokens (of the given purposes) used, so their links stop working. */
export async function retireUserTokens(
  tx: Executor,
  userId: string,
  purposes: readonly UserTokenPurpose[],
): Promise<void> {
  await tx
    .update(userTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(userTokens.userId, userId),
        inArray(userTokens.purpose, [...purposes]),
        isNull(userTokens.usedAt),
      ),
    );
}

/**
 * Mints a single-use link token for the user's current address; only its HMAC is stored. Earlier unused
 * tokens of the same purpose are retired: only the newest mail's link works.
 */
export async function issueUserToken(
  tx: Executor,
  deps: AppDeps,
  user: { id: string; email: string },
  purpose: UserTokenPurpose,
  ttlMs: number,
): Promise<{ token: string; expiresAt: Date }> {
  await retireUserTokens(tx, user.id, [purpose]);
  const token = randomToken(TOKEN_PREFIX[purpose]);
  const expiresAt = new Date(Date.now() + ttlMs);
  await tx.insert(userTokens).values({
    userId: user.id,
    purpose,
    tokenHash: hashUserToken(deps, token),
    email: user.email,
    expiresAt,
  });
  return { token, expiresAt };
}

const linkUserColumns = {
  tokenId: userTokens.id,
  userId: users.id,
  email: users.email,
  name: users.name,
  emailVerifiedAt: users.emailVerifiedAt,
};

/** The token's user while the token is live and the account still has the address it was sent to. */
function liveToken(deps: AppDeps, token: string, purpose: UserTokenPurpose) {
  return and(
    eq(userTokens.tokenHash, hashUserToken(deps, token)),
    eq(userTokens.purpose, purpose),
    isNull(userTokens.usedAt),
    gt(userTokens.expiresAt, sql`now()`),
    eq(users.email, userTokens.email),
  );
}

/** Reads a live token without using it (to check a new password before the argon2 work); throws if dead. */
export async function peekUserToken(
  tx: Executor,
  deps: AppDeps,
  token: string,
  purpose: UserTokenPurpose,
): Promise<LinkUser> {
  const [row] = await tx
    .select(linkUserColumns)
    .from(userTokens)
    .innerJoin(users, eq(users.id, userTokens.userId))
    .where(liveToken(deps, token, purpose))
    .limit(1);
  if (!row) throw invalidLink();
  return row;
}

/**
 * Uses a live token: the conditional update is the single-use guarantee (of two concurrent claims only
 * one matches). The user row is locked with it, so the caller's changes to the account cannot interleave.
 */
export async function claimUserToken(
  tx: Executor,
  deps: AppDeps,
  token: string,
  purpose: UserTokenPurpose,
): Promise<LinkUser> {
  const live = await peekUserToken(tx, deps, token, purpose);
  const [locked] = await tx
    .select({ email: users.email })
    .from(users)
    .where(eq(users.id, live.userId))
    .for("update");
  const [claimed] = await tx
    .update(userTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(userTokens.id, live.tokenId),
        isNull(userTokens.usedAt),
        gt(userTokens.expiresAt, sql`now()`),
        eq(userTokens.email, locked?.email ?? ""),
      ),
    )
    .returning({ id: userTokens.id });
  if (!claimed) throw invalidLink();
  return live;
}
