import {
  and,
  count,
  desc,
  type Executor,
  eq,
  gte,
  ilike,
  isNotNull,
  isNull,
  lt,
  memberships,
  or,
  organizations,
  refreshTokenFamilies,
  type SQL,
  sql,
  type Transaction,
  users,
} from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { conflict, notFound } from "../../core/errors";
import { decodeCursor, pageOf } from "../../core/pagination";
import {
  issueUserToken,
  passwordResetMail,
  type RevokeReason,
  revokeUserSessions,
  sendInBackground,
} from "../auth/index";
import { type AdminScope, escapeLike } from "./service";
import type { AdminUser, ListUsersInput } from "./users-schemas";

const userColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  emailVerifiedAt: users.emailVerifiedAt,
  disabledAt: users.disabledAt,
  disabledReason: users.disabledReason,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
};

type UserRow = Omit<AdminUser, "status">;

function toAdminUser(row: UserRow): AdminUser {
  const status = row.disabledAt ? "disabled" : row.emailVerifiedAt ? "active" : "unverified";
  return { ...row, status };
}

const STATUS_FILTER: Record<NonNullable<ListUsersInput["status"]>, SQL | undefined> = {
  disabled: isNotNull(users.disabledAt),
  unverified: and(isNull(users.disabledAt), isNull(users.emailVerifiedAt)),
  active: and(isNull(users.disabledAt), isNotNull(users.emailVerifiedAt)),
};

/** Newest accounts first (ids are UUIDv7). */
export async function listUsers(deps: AppDeps, input: ListUsersInput) {
  const filters: (SQL | undefined)[] = [];
  if (input.cursor) filters.push(lt(users.id, decodeCursor(input.cursor)));
  if (input.search) filters.push(ilike(users.email, `%${escapeLike(input.search.toLowerCase())}%`));
  if (input.status) filters.push(STATUS_FILTER[input.status]);
  if (input.lastLoginAfter) filters.push(gte(users.lastLoginAt, new Date(input.lastLoginAfter)));
  if (input.lastLoginBefore) {
    filters.push(or(isNull(users.lastLoginAt), lt(users.lastLoginAt, new Date(input.lastLoginBefore))));
  }
  const rows = await deps.db
    .select(userColumns)
    .from(users)
    .where(and(...filters))
    .orderBy(desc(users.id))
    .limit(input.limit + 1);
  const page = pageOf(rows, input.limit);
  return { items: page.items.map(toAdminUser), nextCursor: page.nextCursor };
}

async function userRow(db: Executor, userId: string, lock = false): Promise<UserRow> {
  const query = db.select(userColumns).from(users).where(eq(users.id, userId)).limit(1);
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw notFound("User");
  return row;
}

export async function getUser(deps: AppDeps, userId: string) {
  const row = await userRow(deps.db, userId);
  const [orgs, [sessions]] = await Promise.all([
    deps.db
      .select({ orgId: memberships.orgId, orgName: organizations.name, role: memberships.role })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(eq(memberships.userId, userId))
      .orderBy(organizations.name),
    deps.db
      .select({ live: count() })
      .from(refreshTokenFamilies)
      .where(
        and(
          eq(refreshTokenFamilies.userId, userId),
          isNull(refreshTokenFamilies.revokedAt),
          sql`${refreshTokenFamilies.expiresAt} > now()`,
        ),
      ),
  ]);
  return { user: { ...toAdminUser(row), memberships: orgs, activeSessions: sessions?.live ?? 0 } };
}

/**
 * Disabling ends every session in the same transaction, so the user's next request with an access
 * token is refused (the session is checked on every request) and no refresh token works again.
 */
export async function disableUser(scope: AdminScope, input: { userId: string; reason?: string }) {
  if (input.userId === scope.userId) throw conflict("self", "Operators cannot disable their own account");
  const user = await scope.deps.db.transaction(async (tx) => {
    const before = await userRow(tx, input.userId, true);
    if (before.disabledAt) throw conflict("already_disabled", "The user is already disabled");
    const [after] = await tx
      .update(users)
      .set({ disabledAt: sql`now()`, disabledReason: input.reason ?? null, updatedAt: sql`now()` })
      .where(eq(users.id, input.userId))
      .returning(userColumns);
    if (!after) throw notFound("User");
    const revoked = await revokeUserSessions(tx, input.userId, "user_disabled");
    await recordAudit(tx, scope.audit, {
      orgId: null,
      action: "user.disabled",
      resourceType: "user",
      resourceId: input.userId,
      before: { disabledAt: null },
      after: { disabledAt: after.disabledAt, reason: input.reason ?? null, revokedSessions: revoked.length },
    });
    return after;
  });
  return { user: toAdminUser(user) };
}

export async function enableUser(scope: AdminScope, input: { userId: string }) {
  const user = await scope.deps.db.transaction(async (tx) => {
    const before = await userRow(tx, input.userId, true);
    if (!before.disabledAt) throw conflict("not_disabled", "The user is not disabled");
    const [after] = await tx
      .update(users)
      .set({ disabledAt: null, disabledReason: null, updatedAt: sql`now()` })
      .where(eq(users.id, input.userId))
      .returning(userColumns);
    if (!after) throw notFound("User");
    await recordAudit(tx, scope.audit, {
      orgId: null,
      action: "user.enabled",
      resourceType: "user",
      resourceId: input.userId,
      before: { disabledAt: before.disabledAt, reason: before.disabledReason },
      after: { disabledAt: null },
    });
    return after;
  });
  return { user: toAdminUser(user) };
}

async function endSessions(tx: Transaction, userId: string, reason: RevokeReason) {
  const user = await userRow(tx, userId, true);
  const revoked = await revokeUserSessions(tx, userId, reason);
  return { user, revoked };
}

export async function revokeSessions(scope: AdminScope, input: { userId: string }) {
  return scope.deps.db.transaction(async (tx) => {
    const { user, revoked } = await endSessions(tx, input.userId, "operator_revoked");
    await recordAudit(tx, scope.audit, {
      orgId: null,
      action: "user.sessions_revoked",
      resourceType: "user",
      resourceId: input.userId,
      after: { revokedSessions: revoked.length },
    });
    return { user: toAdminUser(user), revokedSessions: revoked.length };
  });
}

/**
 * Ends the user's sessions and mails the ordinary password-reset link (the same mail and token as a
 * self-service reset). The mail goes out after the commit, so a rolled-back call sends nothing.
 */
export async function forcePasswordReset(scope: AdminScope, input: { userId: string }) {
  const { deps } = scope;
  const ttlMs = deps.settings.passwordResetTtlMinutes * 60_000;
  const { user, link } = await deps.db.transaction(async (tx) => {
    const { user, revoked } = await endSessions(tx, input.userId, "operator_password_reset");
    const link = await issueUserToken(tx, deps, user, "reset_password", ttlMs);
    await recordAudit(tx, scope.audit, {
      orgId: null,
      action: "user.password_reset_forced",
      resourceType: "user",
      resourceId: input.userId,
      after: { revokedSessions: revoked.length, linkExpiresAt: link.expiresAt },
    });
    return { user, link };
  });
  sendInBackground(
    deps,
    passwordResetMail(deps.settings, user.email, link.token, link.expiresAt),
    "forced_reset",
  );
  return { user: toAdminUser(user) };
}
