import { and, bots, inArray, isNotNull, lte } from "@kyro/db";
import { appendAuditEvents } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { defineJob } from "../../core/jobs";
import { BOT_RESOURCE, restoreWindowStart } from "./service";

/** Bots purged per transaction, so one run never holds a huge lock set. */
const PURGE_BATCH = 500;

/**
 * Deletes bots soft-deleted before the restore window (their versions, conversations, knowledge and
 * widget overrides go with them by cascade), each with a `bot.purged` audit event by the system.
 * Returns how many were purged.
 */
export async function purgeDeletedBots(deps: Pick<AppDeps, "db">, now = new Date()): Promise<number> {
  const cutoff = restoreWindowStart(now.getTime());
  let purged = 0;
  for (;;) {
    const count = await deps.db.transaction(async (tx) => {
      const expired = await tx
        .select({ id: bots.id, orgId: bots.orgId, name: bots.name, deletedAt: bots.deletedAt })
        .from(bots)
        .where(and(isNotNull(bots.deletedAt), lte(bots.deletedAt, cutoff)))
        .limit(PURGE_BATCH)
        .for("update", { skipLocked: true });
      if (expired.length === 0) return 0;
      await tx.delete(bots).where(
        inArray(
          bots.id,
          expired.map((bot) => bot.id),
        ),
      );
      // Appended without recordAudit's scope: a scheduled job has no request, so the request id and
      // address are null instead of invented.
      await appendAuditEvents(
        tx,
        expired.map((bot) => ({
          orgId: bot.orgId,
          actorType: "system" as const,
          actorId: null,
          actorLabel: "retention",
          action: "bot.purged",
          resourceType: BOT_RESOURCE,
          resourceId: bot.id,
          requestId: null,
          ip: null,
          userAgent: null,
          diff: { before: { name: bot.name, deletedAt: bot.deletedAt?.toISOString() ?? null }, after: null },
        })),
      );
      return expired.length;
    });
    purged += count;
    if (count < PURGE_BATCH) return purged;
  }
}

/** Daily at 03:17 UTC (off the hour, away from other schedules). */
export const purgeDeletedBotsJob = defineJob<Record<string, never>>({
  name: "bots.purge-deleted",
  schedule: "17 3 * * *",
  async handle(deps) {
    const purged = await purgeDeletedBots(deps);
    if (purged > 0) deps.logger.info({ purged }, "purged deleted bots");
  },
});
