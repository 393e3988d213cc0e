import { and, type Executor, eq, exportJobs, retentionPolicies, sql } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { unprocessable } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import type { RetentionPolicy, UpdateRetentionInput } from "./schemas";
import {
  DEFAULT_RETENTION_DAYS,
  RETENTION_CATEGORIES,
  type RetentionCategory,
  type RetentionDays,
} from "./settings";

export interface RetentionContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
}

type StoredDays = Record<RetentionCategory, number | null>;
type PolicyColumn = `${RetentionCategory}Days`;

const columnOf = (category: RetentionCategory): PolicyColumn => `${category}Days`;

/** The policy's day columns, keyed as stored; the purge selects them for a page of orgs at once. */
export const policyColumns = {
  messagesDays: retentionPolicies.messagesDays,
  leadsDays: retentionPolicies.leadsDays,
  feedbackDays: retentionPolicies.feedbackDays,
  auditDays: retentionPolicies.auditDays,
  webhookDeliveriesDays: retentionPolicies.webhookDeliveriesDays,
  inboundEventsDays: retentionPolicies.inboundEventsDays,
  usageEventsDays: retentionPolicies.usageEventsDays,
  exportsDays: retentionPolicies.exportsDays,
} satisfies Record<PolicyColumn, unknown>;

const NO_CHOICES: StoredDays = Object.fromEntries(RETENTION_CATEGORIES.map((c) => [c, null])) as StoredDays;

export function storedDaysOf(row: Partial<Record<PolicyColumn, number | null>> | undefined): StoredDays {
  if (!row) return NO_CHOICES;
  return Object.fromEntries(RETENTION_CATEGORIES.map((c) => [c, row[columnOf(c)] ?? null])) as StoredDays;
}

/**
 * The periods in force. The audit floor applies to stored choices too: raising the platform minimum
 * later must not let an older, shorter policy purge audit events the operator now has to keep.
 */
export function effectiveDays(stored: StoredDays, auditMinimumDays: number): RetentionDays {
  const days = Object.fromEntries(
    RETENTION_CATEGORIES.map((c) => [c, stored[c] ?? DEFAULT_RETENTION_DAYS[c]]),
  ) as RetentionDays;
  days.audit = Math.max(days.audit, auditMinimumDays);
  return days;
}

function policyOf(stored: StoredDays, auditMinimumDays: number): RetentionPolicy {
  return {
    days: effectiveDays(stored, auditMinimumDays),
    defaulted: RETENTION_CATEGORIES.filter((c) => stored[c] === null),
    defaults: { ...DEFAULT_RETENTION_DAYS, audit: Math.max(DEFAULT_RETENTION_DAYS.audit, auditMinimumDays) },
    auditMinimumDays,
  };
}

async function readStored(executor: Executor, orgId: string): Promise<StoredDays> {
  const [row] = await executor
    .select(policyColumns)
    .from(retentionPolicies)
    .where(eq(retentionPolicies.orgId, orgId))
    .limit(1);
  return storedDaysOf(row);
}

/** One category's period in force for an org, in days (its choice, else the default; audit floored). */
export async function retentionDaysOf(
  deps: Pick<AppDeps, "settings">,
  executor: Executor,
  orgId: string,
  category: RetentionCategory,
): Promise<number> {
  const stored = await readStored(executor, orgId);
  return effectiveDays(stored, deps.settings.retention.auditMinimumDays)[category];
}

/**
 * A shorter `exports` period applies to files already kept: their expiry is brought forward to
 * completion + the new period (the cleanup job then deletes them). A longer one applies to new files
 * only, whose expiry is fixed when they complete.
 */
async function capExportExpiry(tx: Executor, orgId: string, days: number): Promise<void> {
  await tx
    .update(exportJobs)
    .set({
      expiresAt: sql`least(${exportJobs.expiresAt}, ${exportJobs.completedAt} + make_interval(days => ${days}::int))`,
    })
    .where(and(eq(exportJobs.orgId, orgId), eq(exportJobs.status, "completed")));
}

export async function getRetention(ctx: Pick<RetentionContext, "deps" | "org">): Promise<RetentionPolicy> {
  const stored = await readStored(ctx.deps.db, ctx.org.orgId);
  return policyOf(stored, ctx.deps.settings.retention.auditMinimumDays);
}

export async function updateRetention(
  ctx: RetentionContext,
  input: UpdateRetentionInput,
): Promise<RetentionPolicy> {
  const minimum = ctx.deps.settings.retention.auditMinimumDays;
  if (input.audit != null && input.audit < minimum)
    throw unprocessable(
      "below_audit_minimum",
      `The audit log is kept at least ${minimum} days on this platform`,
    );
  return ctx.deps.db.transaction(async (tx) => {
    const before = await readStored(tx, ctx.org.orgId);
    const after: StoredDays = { ...before };
    for (const category of RETENTION_CATEGORIES) {
      const value = input[category];
      if (value !== undefined) after[category] = value;
    }
    const values = Object.fromEntries(RETENTION_CATEGORIES.map((c) => [columnOf(c), after[c]])) as Record<
      PolicyColumn,
      number | null
    >;
    await tx
      .insert(retentionPolicies)
      .values({ orgId: ctx.org.orgId, ...values })
      .onConflictDoUpdate({ target: retentionPolicies.orgId, set: { ...values, updatedAt: new Date() } });
    if (after.exports !== before.exports)
      await capExportExpiry(tx, ctx.org.orgId, effectiveDays(after, minimum).exports);
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "retention.updated",
      resourceType: "retention_policy",
      resourceId: ctx.org.orgId,
      before,
      after,
    });
    return policyOf(after, minimum);
  });
}
