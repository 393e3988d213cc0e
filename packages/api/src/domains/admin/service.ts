import {
  and,
  asc,
  botLimits,
  bots,
  type Database,
  eq,
  gt,
  ilike,
  isNotNull,
  isNull,
  or,
  organizations,
  orgLimits,
  type SQL,
} from "@kyro/db";
import type { AuditScope } from "../../core/audit-log";
import { recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { notFound } from "../../core/errors";
import { decodeCursor, pageOf } from "../../core/pagination";
import {
  BOT_LIMIT_FIELDS,
  limitsReport,
  mergeLimits,
  ORG_LIMIT_FIELDS,
  type OrgLimitValues,
  orgOverridesQuery,
} from "../limits/index";
import type { AdminOrg, ListOrgsInput } from "./schemas";

type OrgOverrides = { [K in keyof OrgLimitValues]: number | null };
type BotOverrides = Pick<OrgOverrides, "botRequestsPerMinute" | "botMessagesPerDay">;
type Changes<T> = { [K in keyof T]?: number | null };

/** Operators act on any org; there is no tenant scope here, only the platform-admin check. */
export interface AdminScope {
  deps: AppDeps;
  audit: AuditScope;
  userId: string;
}

/** The scope a platform-admin procedure's context gives its service. */
export function adminScopeOf(ctx: {
  deps: AppDeps;
  audit: AuditScope;
  principal: { userId: string };
}): AdminScope {
  return { deps: ctx.deps, audit: ctx.audit, userId: ctx.principal.userId };
}

/** `text` matched literally inside a LIKE pattern: its `%`, `_` and backslashes escaped. */
export const escapeLike = (text: string) => text.replaceAll(/[\\%_]/g, (match) => `\\${match}`);

/** The org columns operators see in `list` and `get`. */
const orgColumns = {
  id: organizations.id,
  name: organizations.name,
  slug: organizations.slug,
  createdAt: organizations.createdAt,
  suspendedAt: organizations.suspendedAt,
  suspendedReason: organizations.suspendedReason,
};

const STATUS_FILTER: Record<NonNullable<ListOrgsInput["status"]>, SQL> = {
  active: isNull(organizations.suspendedAt),
  suspended: isNotNull(organizations.suspendedAt),
};

export async function listOrgs(deps: AppDeps, input: ListOrgsInput) {
  const filters: SQL[] = [];
  if (input.status) filters.push(STATUS_FILTER[input.status]);
  if (input.cursor) filters.push(gt(organizations.id, decodeCursor(input.cursor)));
  if (input.search) {
    const pattern = `%${escapeLike(input.search)}%`;
    const match = or(ilike(organizations.name, pattern), ilike(organizations.slug, pattern));
    if (match) filters.push(match);
  }
  const rows = await deps.db
    .select({ ...orgColumns, overridden: orgLimits.orgId })
    .from(organizations)
    .leftJoin(orgLimits, eq(orgLimits.orgId, organizations.id))
    .where(and(...filters))
    .orderBy(asc(organizations.id))
    .limit(input.limit + 1);
  const page = pageOf(rows, input.limit);
  return {
    items: page.items.map(({ overridden, ...org }) => ({ ...org, hasOverrides: overridden !== null })),
    nextCursor: page.nextCursor,
  };
}

function orgRow(db: Database, orgId: string) {
  return db.select(orgColumns).from(organizations).where(eq(organizations.id, orgId)).limit(1);
}

const nullOverrides = <F extends string>(fields: readonly F[]) =>
  Object.fromEntries(fields.map((field) => [field, null])) as Record<F, number | null>;

function onlyFields<F extends string>(row: Record<string, unknown> | undefined, fields: readonly F[]) {
  const picked = nullOverrides(fields);
  for (const field of fields) {
    const value = row?.[field];
    if (typeof value === "number") picked[field] = value;
  }
  return picked;
}

export async function getOrg(deps: AppDeps, orgId: string): Promise<AdminOrg> {
  const [org] = await orgRow(deps.db, orgId);
  if (!org) throw notFound("Organization");
  const [overrides] = await orgOverridesQuery(deps.db, orgId);
  const botRows = await deps.db
    .select({
      botId: botLimits.botId,
      botRequestsPerMinute: botLimits.botRequestsPerMinute,
      botMessagesPerDay: botLimits.botMessagesPerDay,
    })
    .from(botLimits)
    .where(eq(botLimits.orgId, orgId))
    .orderBy(asc(botLimits.botId));
  const report = await limitsReport(deps, orgId, null);
  return {
    org,
    overrides: onlyFields(overrides, ORG_LIMIT_FIELDS),
    report,
    botOverrides: botRows.map((row) => ({ botId: row.botId, overrides: onlyFields(row, BOT_LIMIT_FIELDS) })),
  };
}

export async function setOrgLimits(scope: AdminScope, orgId: string, changes: Changes<OrgOverrides>) {
  const { deps } = scope;
  await deps.db.transaction(async (tx) => {
    const [org] = await tx
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.id, orgId))
      .for("update");
    if (!org) throw notFound("Organization");
    const [current] = await orgOverridesQuery(tx, orgId);
    const before = onlyFields(current, ORG_LIMIT_FIELDS);
    const after = { ...before, ...changes };
    await tx
      .insert(orgLimits)
      .values({ orgId, ...after, updatedBy: scope.userId })
      .onConflictDoUpdate({ target: orgLimits.orgId, set: { ...after, updatedBy: scope.userId } });
    await recordAudit(tx, scope.audit, {
      orgId,
      action: "limits.org_updated",
      resourceType: "organization",
      resourceId: orgId,
      before,
      after,
    });
  });
  await deps.requestLimits.cache.invalidate(orgId);
  return getOrg(deps, orgId);
}

export async function setBotLimits(
  scope: AdminScope,
  target: { orgId: string; botId: string },
  changes: Changes<BotOverrides>,
) {
  const { deps } = scope;
  const overrides = await deps.db.transaction(async (tx) => {
    const [bot] = await tx
      .select({ id: bots.id })
      .from(bots)
      .where(and(eq(bots.id, target.botId), eq(bots.orgId, target.orgId), isNull(bots.deletedAt)))
      .for("update");
    if (!bot) throw notFound("Bot");
    const [current] = await tx
      .select({
        botRequestsPerMinute: botLimits.botRequestsPerMinute,
        botMessagesPerDay: botLimits.botMessagesPerDay,
      })
      .from(botLimits)
      .where(eq(botLimits.botId, target.botId));
    const before = onlyFields(current, BOT_LIMIT_FIELDS);
    const after = { ...before, ...changes };
    await tx
      .insert(botLimits)
      .values({ ...target, ...after, updatedBy: scope.userId })
      .onConflictDoUpdate({ target: botLimits.botId, set: { ...after, updatedBy: scope.userId } });
    await recordAudit(tx, scope.audit, {
      orgId: target.orgId,
      action: "limits.bot_updated",
      resourceType: "bot",
      resourceId: target.botId,
      before,
      after,
    });
    return after;
  });
  await deps.requestLimits.cache.invalidate(target.orgId);
  const org = await deps.requestLimits.cache.org(target.orgId);
  return {
    ...target,
    overrides,
    limits: mergeLimits(
      { botRequestsPerMinute: org.botRequestsPerMinute, botMessagesPerDay: org.botMessagesPerDay },
      overrides,
      BOT_LIMIT_FIELDS,
    ),
  };
}
