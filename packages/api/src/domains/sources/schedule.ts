import { and, eq, isNotNull, knowledgeSources, lte, sourceSyncJobs, sql } from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { emitEvent } from "../../core/events/emit";
import { defineJob } from "../../core/jobs";
import { queueSync } from "./sync";

const STUCK_REASON = "The sync did not finish in time";

/**
 * Every minute: fails sync jobs stuck in `running` past the timeout (their worker died or hung) and
 * queues a retry with exponential backoff while attempts remain; then queues the scheduled re-syncs
 * that are due. Each step claims its rows with `for update skip locked`, so two workers never double up.
 */
export async function tickSources(
  deps: AppDeps,
  now = new Date(),
): Promise<{ reaped: number; scheduled: number }> {
  const { syncTimeoutMs, maxAttempts } = deps.settings.sources;
  const reaped = await deps.db.transaction(async (tx) => {
    const stuck = await tx
      .select({
        id: sourceSyncJobs.id,
        orgId: sourceSyncJobs.orgId,
        sourceId: sourceSyncJobs.sourceId,
        attempts: sourceSyncJobs.attempts,
        trigger: sourceSyncJobs.trigger,
        stats: sourceSyncJobs.stats,
        botId: knowledgeSources.botId,
      })
      .from(sourceSyncJobs)
      .innerJoin(knowledgeSources, eq(knowledgeSources.id, sourceSyncJobs.sourceId))
      .where(
        and(
          eq(sourceSyncJobs.status, "running"),
          lte(sourceSyncJobs.startedAt, new Date(now.getTime() - syncTimeoutMs)),
        ),
      )
      .for("update", { of: sourceSyncJobs, skipLocked: true });
    for (const job of stuck) {
      await tx
        .update(sourceSyncJobs)
        .set({ status: "failed", error: STUCK_REASON, finishedAt: now })
        .where(eq(sourceSyncJobs.id, job.id));
      const retry = job.attempts < maxAttempts;
      await tx
        .update(knowledgeSources)
        .set({ status: retry ? "pending" : "failed", lastError: STUCK_REASON, updatedAt: now })
        .where(eq(knowledgeSources.id, job.sourceId));
      await emitEvent(tx, {
        orgId: job.orgId,
        type: "source.failed",
        data: {
          sourceId: job.sourceId,
          botId: job.botId,
          syncJobId: job.id,
          error: STUCK_REASON,
          stats: job.stats,
        },
      });
      if (retry) {
        const retryId = await queueSync(
          deps,
          tx,
          { orgId: job.orgId, id: job.sourceId },
          job.trigger,
          30 * 2 ** job.attempts,
        );
        // The retry carries the attempts so far, so the cap holds across reaps.
        await tx.update(sourceSyncJobs).set({ attempts: job.attempts }).where(eq(sourceSyncJobs.id, retryId));
      }
    }
    return stuck.length;
  });
  const scheduled = await deps.db.transaction(async (tx) => {
    const due = await tx
      .select({ id: knowledgeSources.id, orgId: knowledgeSources.orgId })
      .from(knowledgeSources)
      .where(and(isNotNull(knowledgeSources.nextSyncAt), lte(knowledgeSources.nextSyncAt, now)))
      .limit(100)
      .for("update", { skipLocked: true });
    for (const source of due) {
      await queueSync(deps, tx, source, "scheduled");
      // Cleared until the sync finishes and sets the next one, so a slow sync is not queued twice.
      await tx
        .update(knowledgeSources)
        .set({ nextSyncAt: sql`null` })
        .where(eq(knowledgeSources.id, source.id));
    }
    return due.length;
  });
  return { reaped, scheduled };
}

export const sourceTickJob = defineJob<Record<string, never>>({
  name: "sources.tick",
  schedule: "* * * * *",
  handle: async (deps) => {
    await tickSources(deps);
  },
});
