import { Readable } from "node:stream";
import {
  and,
  type Executor,
  type ExportFileFormat,
  type ExportKind,
  eq,
  exportJobs,
  inArray,
  lte,
  sql,
} from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { emitEvent } from "../../core/events/emit";
import { defineJob } from "../../core/jobs";
import { retentionDaysOf } from "../retention/index";
import { hashPersonal } from "./links";
import "./settings";
import { EXPORT_SOURCES } from "./source-kinds";
import type { Mask, SourceContext } from "./sources";
import { exportChunks } from "./writer";

export const EXPORT_QUEUE = "exports.run";
export const EXPORT_CLEANUP_QUEUE = "exports.cleanup";

export const storageKeyOf = (orgId: string, exportId: string, format: string) =>
  `exports/${orgId}/${exportId}.${format}`;

function maskFor(deps: Pick<AppDeps, "hmacKeys">, orgId: string, mode: string): Mask {
  const keeps = mode === "include";
  const mask =
    mode === "hash"
      ? (value: string | null) =>
          value === null ? null : hashPersonal(deps.hmacKeys.exportPii, orgId, value)
      : mode === "omit"
        ? () => null
        : (value: string | null) => value;
  return Object.assign(mask, { keeps });
}

const FAILED_MESSAGE = "The export could not be written";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * When a file completed now is deleted: the platform's `fileTtlHours` or the org's `exports` retention
 * period, whichever ends first (an org may keep its files for less time than the platform allows, not
 * more). Read in the completing transaction.
 */
async function expiryOf(deps: AppDeps, tx: Executor, orgId: string, completedAt: Date): Promise<Date> {
  const days = await retentionDaysOf(deps, tx, orgId, "exports");
  const keptMs = Math.min(deps.settings.exports.fileTtlHours * HOUR_MS, days * DAY_MS);
  return new Date(completedAt.getTime() + keptMs);
}

/**
 * Runs one export: claims the row (counting the attempt), streams every row into storage, then marks
 * it completed and emits `export.completed` in one transaction. A run after a crash (the worker killed,
 * the job expired and retried) starts the file again from the first row: storage only shows a complete
 * object, so nothing partial is ever downloadable. After `maxAttempts` runs the export fails for good.
 */
export async function runExport(deps: AppDeps, exportId: string, now: () => Date = () => new Date()) {
  const settings = deps.settings.exports;
  const [job] = await deps.db
    .update(exportJobs)
    .set({ status: "running", attempts: sql`${exportJobs.attempts} + 1`, startedAt: now(), rowsWritten: 0 })
    .where(and(eq(exportJobs.id, exportId), inArray(exportJobs.status, ["queued", "running"])))
    .returning({
      id: exportJobs.id,
      orgId: exportJobs.orgId,
      kind: exportJobs.kind,
      format: exportJobs.format,
      pii: exportJobs.pii,
      botId: exportJobs.botId,
      from: exportJobs.rangeFrom,
      to: exportJobs.rangeTo,
      attempts: exportJobs.attempts,
    });
  // Finished, failed or gone: a duplicate delivery has nothing to do.
  if (!job) return;
  if (job.attempts > settings.maxAttempts) {
    await markFailed(deps, job, "The export was interrupted too many times");
    return;
  }
  const source = EXPORT_SOURCES[job.kind];
  const ctx: SourceContext = {
    db: deps.db,
    orgId: job.orgId,
    botId: job.botId,
    from: job.from,
    to: job.to,
    mask: maskFor(deps, job.orgId, job.pii),
  };
  const key = storageKeyOf(job.orgId, job.id, job.format);
  try {
    let total = 0;
    for (const segment of source.segments) total += await segment.count(ctx);
    await deps.db.update(exportJobs).set({ rowsTotal: total }).where(eq(exportJobs.id, job.id));
    let rows = 0;
    const chunks = exportChunks(source, ctx, job.format, settings.pageSize, async (rowsWritten) => {
      rows = rowsWritten;
      await deps.db.update(exportJobs).set({ rowsWritten }).where(eq(exportJobs.id, job.id));
    });
    const { bytes } = await deps.exportStorage.put(key, Readable.from(chunks));
    const completedAt = now();
    await deps.db.transaction(async (tx) => {
      const expiresAt = await expiryOf(deps, tx, job.orgId, completedAt);
      await tx
        .update(exportJobs)
        .set({
          status: "completed",
          rowsWritten: rows,
          bytes,
          storageKey: key,
          completedAt,
          expiresAt,
          error: null,
        })
        .where(eq(exportJobs.id, job.id));
      await emitEvent(tx, {
        orgId: job.orgId,
        type: "export.completed",
        data: {
          exportId: job.id,
          kind: job.kind,
          format: job.format,
          rows,
          bytes,
          expiresAt: expiresAt.toISOString(),
        },
      });
    });
  } catch (error) {
    deps.logger.error({ err: error, exportId: job.id, attempt: job.attempts }, "export failed");
    if (job.attempts >= settings.maxAttempts) {
      await markFailed(deps, job, FAILED_MESSAGE);
      return;
    }
    await deps.db
      .update(exportJobs)
      .set({ error: `${FAILED_MESSAGE}; retrying` })
      .where(eq(exportJobs.id, job.id));
    throw error;
  }
}

/**
 * Fails the export for good and emits `export.failed` in the same transaction. Only a claimed (running)
 * export changes, so a duplicate delivery racing this one cannot announce the failure twice.
 */
async function markFailed(
  deps: AppDeps,
  job: { id: string; orgId: string; kind: ExportKind; format: ExportFileFormat; attempts: number },
  error: string,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const [failed] = await tx
      .update(exportJobs)
      .set({ status: "failed", error, storageKey: null })
      .where(and(eq(exportJobs.id, job.id), eq(exportJobs.status, "running")))
      .returning({ id: exportJobs.id });
    if (!failed) return;
    await emitEvent(tx, {
      orgId: job.orgId,
      type: "export.failed",
      data: { exportId: job.id, kind: job.kind, format: job.format, attempts: job.attempts, error },
    });
  });
}

/** Rows handled per round of the cleanup, so one run never holds a huge lock set. */
const CLEANUP_BATCH = 200;

/** Deletes the files of completed exports whose time is up and marks them `expired`; returns how many. */
export async function cleanupExpiredExports(deps: AppDeps, now = new Date()): Promise<number> {
  let removed = 0;
  for (;;) {
    const due = await deps.db
      .select({ id: exportJobs.id, storageKey: exportJobs.storageKey })
      .from(exportJobs)
      .where(and(eq(exportJobs.status, "completed"), lte(exportJobs.expiresAt, now)))
      .limit(CLEANUP_BATCH);
    if (due.length === 0) return removed;
    // Files first, then the batch's rows in one update: a crash in between leaves rows that the next run
    // cleans again (deleting an absent file is no error), never an orphan file.
    for (const row of due) if (row.storageKey) await deps.exportStorage.delete(row.storageKey);
    const ids = due.map((row) => row.id);
    await deps.db
      .update(exportJobs)
      .set({ status: "expired", storageKey: null })
      .where(and(inArray(exportJobs.id, ids), eq(exportJobs.status, "completed")));
    removed += due.length;
    if (due.length < CLEANUP_BATCH) return removed;
  }
}

export const exportRunJob = defineJob<{ exportId: string }>({
  name: EXPORT_QUEUE,
  // A suspended org's exports stay queued until it is reinstated.
  ownerOf: (data) => ({ table: exportJobs, id: data.exportId }),
  handle: (deps, data) => runExport(deps, data.exportId),
});

/** Every ten minutes, off the hour's first minute. */
export const exportCleanupJob = defineJob<Record<string, never>>({
  name: EXPORT_CLEANUP_QUEUE,
  schedule: "3-59/10 * * * *",
  async handle(deps) {
    const removed = await cleanupExpiredExports(deps);
    if (removed > 0) deps.logger.info({ removed }, "deleted expired export files");
  },
});
