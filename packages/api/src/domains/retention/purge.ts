import {
  and,
  asc,
  type Executor,
  eq,
  gt,
  inArray,
  organizations,
  retentionPolicies,
  rowsOf,
  type SQL,
  sql,
} from "@kyro/db";
import { appendAuditEvents } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { defineJob } from "../../core/jobs";
import { effectiveDays, policyColumns, storedDaysOf } from "./service";
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
  /**
   * What else the batch's statement does with the deleted rows (`gone`, which returns `org_id` and these
   * `columns`): a data-modifying CTE, so it commits exactly with the deletion.
   */
  also?: { columns: string; statement: string };
}

/**
 * A conversation that outlives some of its messages (it is still active) keeps a true `message_count`:
 * lowered by what the batch deleted, never recounted, so a message added meanwhile stays counted.
 */
const UNCOUNT_MESSAGES = {
  columns: "conversation_id",
  statement: `update conversations set message_count = greatest(conversations.message_count - lost.n, 0)
    from (select conversation_id, count(*)::int as n from gone group by conversation_id) lost
    where conversations.id = lost.conversation_id`,
};

const TARGETS: Record<Exclude<RetentionCategory, "exports">, PurgeTarget[]> = {
  messages: [
    { table: "messages", age: "created_at", also: UNCOUNT_MESSAGES },
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

/** An org of the page being purged and where, for the category at hand, its expired rows end. */
interface OrgCutoff {
  orgId: string;
  cutoff: Date;
}

/**
 * One batch of one table across the page's orgs, each under its own cutoff: one statement instead of
 * one per org, answering how many rows each org lost.
 */
function deleteBatch(target: PurgeTarget, cutoffs: readonly OrgCutoff[], limit: number): SQL {
  const table = sql.raw(target.table);
  const keep = target.keep ? sql.raw(` and not (${target.keep})`) : sql``;
  const pairs = sql.join(
    cutoffs.map(({ orgId, cutoff }) => sql`(${orgId}::uuid, ${cutoff.toISOString()}::timestamptz)`),
    sql`, `,
  );
  const returning = sql.raw(target.also ? `org_id, ${target.also.columns}` : "org_id");
  // Postgres runs a data-modifying CTE to completion even though the final select never reads it.
  const also = target.also ? sql.raw(`, also as (${target.also.statement})`) : sql``;
  return sql`with cutoffs (org_id, cutoff) as (values ${pairs}),
  gone as (
    delete from ${table} where id in (
      select ${table}.id from ${table} join cutoffs on cutoffs.org_id = ${table}.org_id
      where ${sql.raw(target.age)} < cutoffs.cutoff${keep}
      limit ${limit}
    ) returning ${returning}
  )${also} select org_id as "orgId", count(*)::int as n from gone group by org_id`;
}

/**
 * Deletes one table's expired rows of the page's orgs in batches, each in its own transaction with a
 * receipt per org it touched (`retention.purged`, by the system): a receipt commits exactly when its
 * rows are gone. Answers the rows deleted per org.
 */
async function purgeTarget(
  db: AppDeps["db"],
  category: RetentionCategory,
  target: PurgeTarget,
  cutoffs: readonly OrgCutoff[],
  batchSize: number,
): Promise<Map<string, number>> {
  const cutoffOf = new Map(cutoffs.map(({ orgId, cutoff }) => [orgId, cutoff]));
  const totals = new Map<string, number>();
  for (;;) {
    const deleted = await db.transaction(async (tx) => {
      const counts = rowsOf<{ orgId: string; n: number }>(
        await tx.execute(deleteBatch(target, cutoffs, batchSize)),
      );
      const receipts = counts.map(({ orgId, n }) => ({
        orgId,
        category,
        table: target.table,
        deleted: Number(n),
        before: cutoffOf.get(orgId) as Date,
      }));
      if (receipts.length > 0) await writeReceipts(tx, receipts);
      return receipts;
    });
    let batchTotal = 0;
    for (const { orgId, deleted: n } of deleted) {
      totals.set(orgId, (totals.get(orgId) ?? 0) + n);
      batchTotal += n;
    }
    if (batchTotal < batchSize) return totals;
  }
}

// Appended directly rather than through recordAudit: a scheduled job has no request to record.
async function writeReceipts(tx: Executor, receipts: readonly PurgeReceipt[]): Promise<void> {
  await appendAuditEvents(
    tx,
    receipts.map((receipt) => ({
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
    })),
  );
}

/**
 * Purges one page of orgs, table by table (parents after children, as TARGETS lists them); receipts
 * come back org by org in id order, then in TARGETS order, as if each org had been purged alone.
 */
async function purgePage(
  deps: Pick<AppDeps, "db">,
  orgs: readonly { orgId: string; days: RetentionDays }[],
  now: Date,
  batchSize: number,
): Promise<PurgeReceipt[]> {
  const byOrg = new Map(orgs.map(({ orgId }) => [orgId, [] as PurgeReceipt[]]));
  for (const [category, targets] of Object.entries(TARGETS) as [RetentionCategory, PurgeTarget[]][]) {
    const cutoffs = orgs.map(({ orgId, days }) => ({
      orgId,
      cutoff: new Date(now.getTime() - days[category] * DAY_MS),
    }));
    for (const target of targets) {
      const deleted = await purgeTarget(deps.db, category, target, cutoffs, batchSize);
      for (const { orgId, cutoff } of cutoffs) {
        const count = deleted.get(orgId) ?? 0;
        if (count > 0)
          byOrg.get(orgId)?.push({ orgId, category, table: target.table, deleted: count, before: cutoff });
      }
    }
  }
  return [...byOrg.values()].flat();
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
    const where = [gt(organizations.id, after)];
    if (options.orgIds) where.push(inArray(organizations.id, [...options.orgIds]));
    const orgs = await deps.db
      .select({ id: organizations.id, ...policyColumns })
      .from(organizations)
      .leftJoin(retentionPolicies, eq(retentionPolicies.orgId, organizations.id))
      .where(and(...where))
      .orderBy(asc(organizations.id))
      .limit(ORG_PAGE);
    if (orgs.length > 0) {
      const page = orgs.map((org) => ({ orgId: org.id, days: effectiveDays(storedDaysOf(org), minimum) }));
      receipts.push(...(await purgePage(deps, page, now, batchSize)));
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
