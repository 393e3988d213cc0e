import { createHash } from "node:crypto";
import {
  and,
  type Executor,
  eq,
  inArray,
  knowledgeChunks,
  knowledgeDocuments,
  knowledgeSources,
  newId,
  notInArray,
  type SyncStats,
  type SyncTrigger,
  sourceSyncJobs,
  sql,
} from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { emitEvent } from "../../core/events/emit";
import { defineJob } from "../../core/jobs";
import { chunkText } from "./chunk";
import { crawlSite } from "./crawl";
import { ExtractionError, extractFile, type FileType } from "./extract";
import "./settings";

export const SYNC_QUEUE = "sources.sync";

export interface IncomingDocument {
  externalKey: string;
  title: string;
  url: string | null;
  text: string;
}

interface SourceRow {
  id: string;
  orgId: string;
  botId: string;
  kind: string;
  settings: Record<string, unknown>;
  fileContent: Buffer | null;
}

const EMPTY_STATS: SyncStats = { pages: 0, documents: 0, chunks: 0, tokens: 0, errors: 0 };

/** Writes a queued sync job and its pg-boss job in the caller's transaction. */
export async function queueSync(
  deps: AppDeps,
  tx: Executor,
  source: { orgId: string; id: string },
  trigger: SyncTrigger,
  startAfterSeconds?: number,
): Promise<string> {
  const id = newId();
  await tx.insert(sourceSyncJobs).values({ id, orgId: source.orgId, sourceId: source.id, trigger });
  await deps.jobs.enqueue(tx, SYNC_QUEUE, { syncJobId: id }, startAfterSeconds ? { startAfterSeconds } : {});
  return id;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Stores documents and their chunks. A document whose text is unchanged keeps its chunks; a changed one
 * gets new ones. With `replaceAll`, documents the source no longer has are removed (crawl, file, text).
 */
export async function storeDocuments(
  tx: Executor,
  source: Pick<SourceRow, "id" | "orgId" | "botId">,
  documents: readonly IncomingDocument[],
  replaceAll: boolean,
): Promise<Pick<SyncStats, "documents" | "chunks" | "tokens">> {
  const stats = { documents: 0, chunks: 0, tokens: 0 };
  const keys = documents.map((document) => document.externalKey);
  const existing = keys.length
    ? await tx
        .select({
          id: knowledgeDocuments.id,
          externalKey: knowledgeDocuments.externalKey,
          contentHash: knowledgeDocuments.contentHash,
        })
        .from(knowledgeDocuments)
        .where(and(eq(knowledgeDocuments.sourceId, source.id), inArray(knowledgeDocuments.externalKey, keys)))
    : [];
  const byKey = new Map(existing.map((row) => [row.externalKey, row]));
  const chunkRows: (typeof knowledgeChunks.$inferInsert)[] = [];
  for (const document of documents) {
    const hash = sha256(document.text);
    const chunks = chunkText(document.text);
    const tokens = chunks.reduce((sum, chunk) => sum + chunk.tokens, 0);
    stats.documents++;
    stats.chunks += chunks.length;
    stats.tokens += tokens;
    const found = byKey.get(document.externalKey);
    if (found?.contentHash === hash) continue;
    const documentId = found?.id ?? newId();
    const values = {
      title: document.title,
      url: document.url,
      contentHash: hash,
      tokens,
      chunkCount: chunks.length,
      updatedAt: new Date(),
    };
    if (found) {
      await tx.update(knowledgeDocuments).set(values).where(eq(knowledgeDocuments.id, documentId));
      await tx.delete(knowledgeChunks).where(eq(knowledgeChunks.documentId, documentId));
    } else {
      await tx.insert(knowledgeDocuments).values({
        id: documentId,
        orgId: source.orgId,
        botId: source.botId,
        sourceId: source.id,
        externalKey: document.externalKey,
        ...values,
      });
    }
    for (const [position, chunk] of chunks.entries()) {
      chunkRows.push({
        orgId: source.orgId,
        botId: source.botId,
        sourceId: source.id,
        documentId,
        position,
        content: chunk.content,
        tokens: chunk.tokens,
      });
    }
  }
  // Batched: a crawl's pages insert their chunks in a few statements rather than one per chunk.
  for (let start = 0; start < chunkRows.length; start += 500) {
    await tx.insert(knowledgeChunks).values(chunkRows.slice(start, start + 500));
  }
  if (replaceAll) {
    const gone = and(
      eq(knowledgeDocuments.sourceId, source.id),
      keys.length ? notInArray(knowledgeDocuments.externalKey, keys) : undefined,
    );
    await tx.delete(knowledgeDocuments).where(gone);
  }
  return stats;
}

/** What a source holds now, read from where it lives. */
async function gather(
  deps: AppDeps,
  source: SourceRow,
): Promise<{ documents: IncomingDocument[]; pages: number; errors: string[] }> {
  const settings = source.settings;
  switch (source.kind) {
    case "text":
      return {
        documents: [
          {
            externalKey: "text",
            title: String(settings.title ?? "Text"),
            url: null,
            text: String(settings.text ?? ""),
          },
        ],
        pages: 0,
        errors: [],
      };
    case "file": {
      const fileName = String(settings.fileName);
      const extracted = await extractFile(
        source.fileContent ?? Buffer.alloc(0),
        settings.fileType as FileType,
      );
      if (!extracted.text) throw new ExtractionError(`No text found in ${fileName}`);
      return {
        documents: [
          { externalKey: fileName, title: extracted.title ?? fileName, url: null, text: extracted.text },
        ],
        pages: 0,
        errors: [],
      };
    }
    case "url": {
      const limits = deps.settings.sources;
      const crawl = await crawlSite(deps.outbound, {
        startUrl: String(settings.url),
        maxDepth: Number(settings.maxDepth ?? 0),
        maxPages: Number(settings.maxPages ?? 1),
        maxPageBytes: limits.maxPageBytes,
        timeoutMs: limits.fetchTimeoutMs,
      });
      if (crawl.pages.length === 0) {
        throw new ExtractionError(`No page could be read${crawl.errors[0] ? ` (${crawl.errors[0]})` : ""}`);
      }
      return {
        documents: crawl.pages
          .filter((page) => page.text)
          .map((page) => ({ externalKey: page.url, title: page.title, url: page.url, text: page.text })),
        pages: crawl.pages.length,
        errors: crawl.errors,
      };
    }
    default:
      // Webhook sources hold what was pushed; a sync has nothing to fetch.
      return { documents: [], pages: 0, errors: [] };
  }
}

async function finish(
  deps: AppDeps,
  job: { id: string; sourceId: string },
  source: SourceRow,
  outcome: { stats: SyncStats; error: string | null; write?: (tx: Executor) => Promise<Partial<SyncStats>> },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const written = outcome.write ? await outcome.write(tx) : {};
    const stats = { ...outcome.stats, ...written };
    const now = new Date();
    const failed = outcome.error !== null;
    await tx
      .update(sourceSyncJobs)
      .set({ status: failed ? "failed" : "succeeded", stats, error: outcome.error, finishedAt: now })
      .where(eq(sourceSyncJobs.id, job.id));
    const [updated] = await tx
      .update(knowledgeSources)
      .set({
        status: failed ? "failed" : "ready",
        lastError: outcome.error,
        ...(failed ? {} : { lastSyncedAt: now }),
        updatedAt: now,
      })
      .where(eq(knowledgeSources.id, source.id))
      .returning({ interval: knowledgeSources.resyncIntervalHours });
    if (updated?.interval) {
      await tx
        .update(knowledgeSources)
        .set({ nextSyncAt: new Date(now.getTime() + updated.interval * 3_600_000) })
        .where(eq(knowledgeSources.id, source.id));
    }
    const base = { sourceId: source.id, botId: source.botId, syncJobId: job.id, stats };
    if (failed) {
      await emitEvent(tx, {
        orgId: source.orgId,
        type: "source.failed",
        data: { ...base, error: outcome.error as string },
      });
    } else {
      await emitEvent(tx, { orgId: source.orgId, type: "source.synced", data: base });
    }
  });
}

/**
 * Runs one sync job: fetch and extract what the source holds, chunk it, and store documents, chunks,
 * the job's outcome and its event in one transaction. A source that cannot be read fails the job with
 * the reason (not retried: the same bytes fail the same way); other errors throw and pg-boss retries.
 */
export async function runSync(deps: AppDeps, syncJobId: string): Promise<void> {
  const [job] = await deps.db
    .update(sourceSyncJobs)
    .set({ status: "running", startedAt: new Date(), attempts: sql`${sourceSyncJobs.attempts} + 1` })
    .where(and(eq(sourceSyncJobs.id, syncJobId), inArray(sourceSyncJobs.status, ["queued", "running"])))
    .returning({ id: sourceSyncJobs.id, sourceId: sourceSyncJobs.sourceId });
  if (!job) return;
  const [source] = await deps.db
    .update(knowledgeSources)
    .set({ status: "syncing" })
    .where(eq(knowledgeSources.id, job.sourceId))
    .returning({
      id: knowledgeSources.id,
      orgId: knowledgeSources.orgId,
      botId: knowledgeSources.botId,
      kind: knowledgeSources.kind,
      settings: knowledgeSources.settings,
      fileContent: knowledgeSources.fileContent,
    });
  if (!source) return;
  let gathered: Awaited<ReturnType<typeof gather>>;
  try {
    gathered = await gather(deps, source);
  } catch (error) {
    const reason = error instanceof ExtractionError ? error.message : "The source could not be read";
    if (!(error instanceof ExtractionError))
      deps.logger.error({ err: error, syncJobId }, "source sync failed");
    await finish(deps, job, source, { stats: { ...EMPTY_STATS, errors: 1 }, error: reason });
    return;
  }
  const stats = { ...EMPTY_STATS, pages: gathered.pages, errors: gathered.errors.length };
  await finish(deps, job, source, {
    stats,
    error: null,
    write:
      source.kind === "webhook" ? undefined : (tx) => storeDocuments(tx, source, gathered.documents, true),
  });
}

export const sourceSyncJob = defineJob<{ syncJobId: string }>({
  name: SYNC_QUEUE,
  batchSize: 2,
  handle: (deps, data) => runSync(deps, data.syncJobId),
});
