import { type Database, type QuotaName, quotaAlerts } from "@kyro/db";
import type { Logger } from "@kyro/platform";
import { recordAudit } from "../../core/audit-log";
import { emitEvent } from "../../core/events/emit";
import type { RequestInfo } from "../../core/request-info";

export interface QuotaUse {
  orgId: string;
  botId: string | null;
  quota: QuotaName;
  limit: number;
  /** The count after this use (or attempted use). */
  used: number;
  day: string;
}

export interface QuotaAlerts {
  /** Records the 80 % and 100 % warnings that `use` reaches, each once per quota and UTC day. */
  check(use: QuotaUse, request: RequestInfo): Promise<void>;
}

export const QUOTA_THRESHOLDS = [80, 100] as const;

/**
 * The once-per-day guarantee is the unique row in `quota_alerts` (inserted in the same transaction as
 * the audit row and the domain event), so it holds across processes and restarts. Each process also
 * remembers what it has already tried today, so only the first use past a threshold touches the database.
 */
export function createQuotaAlerts(options: { db: Database; logger: Logger }): QuotaAlerts {
  const { db, logger } = options;
  let today = "";
  let tried = new Set<string>();

  async function alert(use: QuotaUse, threshold: number, request: RequestInfo): Promise<void> {
    const type = threshold >= 100 ? "quota.exceeded" : "quota.warning";
    const data = {
      quota: use.quota,
      scope: use.botId ? ("bot" as const) : ("org" as const),
      botId: use.botId,
      limit: use.limit,
      used: Math.min(use.used, use.limit),
      threshold,
      day: use.day,
    };
    await db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(quotaAlerts)
        .values({ orgId: use.orgId, botId: use.botId, quota: use.quota, day: use.day, threshold })
        .onConflictDoNothing()
        .returning({ id: quotaAlerts.id });
      if (!inserted) return;
      await recordAudit(
        tx,
        { actor: { type: "system", id: null, label: "limits" }, request },
        {
          orgId: use.orgId,
          action: type,
          resourceType: use.botId ? "bot" : "organization",
          resourceId: use.botId ?? use.orgId,
          after: data,
        },
      );
      await emitEvent(tx, { orgId: use.orgId, type, data });
    });
  }

  return {
    async check(use, request) {
      if (use.day !== today) {
        today = use.day;
        tried = new Set();
      }
      for (const threshold of QUOTA_THRESHOLDS) {
        if (use.used < Math.ceil((use.limit * threshold) / 100)) continue;
        const key = `${use.orgId}|${use.botId ?? ""}|${use.quota}|${threshold}`;
        if (tried.has(key)) continue;
        tried.add(key);
        try {
          await alert(use, threshold, request);
        } catch (error) {
          // A warning is not worth failing the request; the next process or day tries again.
          logger.error({ err: error, ...use, threshold }, "quota alert failed");
        }
      }
    },
  };
}
