import { asc, type Executor, eq, gt, organizations, retentionPolicies, type SQL, sql } from "@kyro/db";
import { appendAuditEvents } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { defineJob } from "../../core/jobs";
import { effectiveDays, storedDaysOf } from "./service";
import type { RetentionCategory, RetentionDays } from "./settings";

/** Rows deleted per transaction: each batch holds its row locks for milliseconds, never a whole table's. */
export const PURGE_BATCH = 2_000;
const ORG_PAGE = 500;
const DAY_MS = 86_400_000;

/**
 * One table a category purges: rows of the org older than the cutoff by `age`, narrowed by `keep` (rows
 * still in flight are never purged). Tables are listed parents after children where both are purged, so
 * a cascade does not hide rows from the receipts.
 */
interface PurgeTarget {
  table: string;
  age: string;
  keep?: string;
}

const TARGETS: Record<Exclude<RetentionCategory, "exports">, PurgeTarget[]> = {
  messages: [
    { table: "messages", age: "created_at" },
    { table: "conversations", age: "coalesce(last_message_at, created_at)" },
  ],
  leads: [{ table: "leads", age: "updated_at" }],
  feedback: [{ table: "feedback", age: "created_at" }],
  audit: [{ table: "audit_events", age: "created_at" }],
  webhookDeliveries: [
    { table: "webhook_attempts", age: "created_at" },
    { table: "webhook_messages", age: "created_at", keep: "status = 'pending'" },
    {
      table: "domain_events",
      age: "created_at",
      keep: "exists (select 1 from webhook_messages m where m.event_id = domain_events.id and m.status = 'pending')",
    },
  ],
  inboundEvents: [{ table: "inbound_events", age: "received_at", keep: "status = 'received'" }],
  usageEvents: [{ table: "usage_events", age: "created_at" }],
};

export interface PurgeReceipt {
  orgId: string;
  category: RetentionCategory;
  table: string;
  deleted: number;
  /** Everything older than this was purged. */
  before: Date;
}

export interface PurgeOptions {
  /** The clock the ages are measured against. */
  now?: Date;
  batchSize?: number;
  /** Only these orgs (tests, and a purge run for one org). */
  orgIds?: readonly string[];
}

function deleteBatch(target: PurgeTarget, orgId: string, cutoff: Date, limit: number): SQL {
  const table = sql.raw(target.table);
  const keep = target.keep ? sql.raw(` and not (${target.keep})`) : sql``;
  return sql`with gone as (
    delete from ${table} where id in (
      select id from ${table}
      where org_id = ${orgId} and ${sql.raw(target.age)} < ${cutoff.toISOString()}${keep}
      limit ${limit}
    ) returning 1
  ) select count(*)::int as n from gone`;
}

/**
 * Deletes one table's expired rows of one org in batches, each in its own transaction with its receipt
 * (`retention.purged`, by the system): the receipt commits exactly when its rows are gone.
 */
async function purgeTarget(
  db: AppDeps["db"],
  orgId: string,
  category: RetentionCategory,
  target: PurgeTarget,
  cutoff: Date,
  batchSize: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.transaction(async (tx) => {
      const count = firstCount(await tx.execute(deleteBatch(target, orgId, cutoff, batchSize)));
      if (count > 0)
        await writeReceipt(tx, { orgId, category, table: target.table, deleted: count, before: cutoff });
      return count;
    });
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/** postgres.js answers the rows themselves, PGlite an object holding them. */
export function firstCount(result: unknown): number {
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return Number(rows[0]?.n ?? 0);
}

// Appended directly rather than through recordAudit: a scheduled job has no request to record.
async function writeReceipt(tx: Executor, receipt: PurgeReceipt): Promise<void> {
  await appendAuditEvents(tx, [
    {
      orgId: receipt.orgId,
      actorType: "system",
      actorId: null,
      actorLabel: "retention",
      action: "retention.purged",
      resourceType: "retention_policy",
      resourceId: receipt.orgId,
      requestId: null,
      ip: null,
      userAgent: null,
      diff: {
        before: null,
        after: {
          category: receipt.category,
          table: receipt.table,
          deleted: receipt.deleted,
          before: receipt.before.toISOString(),
        },
      },
    },
  ]);
}

async function purgeOrg(
  deps: Pick<AppDeps, "db">,
  orgId: string,
  days: RetentionDays,
  now: Date,
  batchSize: number,
): Promise<PurgeReceipt[]> {
  const receipts: PurgeReceipt[] = [];
  for (const [category, targets] of Object.entries(TARGETS) as [RetentionCategory, PurgeTarget[]][]) {
    const cutoff = new Date(now.getTime() - days[category] * DAY_MS);
    for (const target of targets) {
      const deleted = await purgeTarget(deps.db, orgId, category, target, cutoff, batchSize);
      if (deleted > 0) receipts.push({ orgId, category, table: target.table, deleted, before: cutoff });
    }
  }
  return receipts;
}

/** Purges every org's expired data under its policy; returns what was deleted, per org and table. */
export async function purgeExpired(
  deps: Pick<AppDeps, "db" | "settings">,
  options: PurgeOptions = {},
): Promise<PurgeReceipt[]> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? PURGE_BATCH;
  const minimum = deps.settings.retention.auditMinimumDays;
  const receipts: PurgeReceipt[] = [];
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const orgs = await deps.db
      .select({
        id: organizations.id,
        messagesDays: retentionPolicies.messagesDays,
        leadsDays: retentionPolicies.leadsDays,
        feedbackDays: retentionPolicies.feedbackDays,
        auditDays: retentionPolicies.auditDays,
        webhookDeliveriesDays: retentionPolicies.webhookDeliveriesDays,
        inboundEventsDays: retentionPolicies.inboundEventsDays,
        usageEventsDays: retentionPolicies.usageEventsDays,
        exportsDays: retentionPolicies.exportsDays,
      })
      .from(organizations)
      .leftJoin(retentionPolicies, eq(retentionPolicies.orgId, organizations.id))
      .where(gt(organizations.id, after))
      .orderBy(asc(organizations.id))
      .limit(ORG_PAGE);
    for (const org of orgs) {
      if (options.orgIds && !options.orgIds.includes(org.id)) continue;
      const days = effectiveDays(storedDaysOf(org), minimum);
      receipts.push(...(await purgeOrg(deps, org.id, days, now, batchSize)));
    }
    if (orgs.length < ORG_PAGE) return receipts;
    after = orgs[orgs.length - 1]?.id ?? after;
  }
}

/** Daily at 02:43 UTC (off the hour, before the bot purge at 03:17). */
export const retentionPurgeJob = defineJob<Record<string, never>>({
  name: "retention.purge",
  schedule: "43 2 * * *",
  async handle(deps) {
    const receipts = await purgeExpired(deps);
    const deleted = receipts.reduce((sum, receipt) => sum + receipt.deleted, 0);
    if (deleted > 0) deps.logger.info({ deleted, tables: receipts.length }, "retention purge");
  },
});
