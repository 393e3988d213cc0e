import {
  and,
  asc,
  desc,
  type Executor,
  eq,
  gt,
  knowledgeChunks,
  knowledgeDocuments,
  knowledgeSources,
  lt,
  sourceSyncJobs,
} from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { notFound } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import { decodeCursor, pageOf } from "../../core/pagination";

/** The read-only side of sources: sync jobs, documents and chunks, always within the caller's org. */
interface ReadContext {
  deps: AppDeps;
  org: OrgScope;
}

const SYNC_JOB_COLUMNS = {
  id: sourceSyncJobs.id,
  sourceId: sourceSyncJobs.sourceId,
  trigger: sourceSyncJobs.trigger,
  status: sourceSyncJobs.status,
  attempts: sourceSyncJobs.attempts,
  stats: sourceSyncJobs.stats,
  error: sourceSyncJobs.error,
  startedAt: sourceSyncJobs.startedAt,
  finishedAt: sourceSyncJobs.finishedAt,
  createdAt: sourceSyncJobs.createdAt,
};

const DOCUMENT_COLUMNS = {
  id: knowledgeDocuments.id,
  sourceId: knowledgeDocuments.sourceId,
  botId: knowledgeDocuments.botId,
  externalKey: knowledgeDocuments.externalKey,
  title: knowledgeDocuments.title,
  url: knowledgeDocuments.url,
  tokens: knowledgeDocuments.tokens,
  chunkCount: knowledgeDocuments.chunkCount,
  createdAt: knowledgeDocuments.createdAt,
  updatedAt: knowledgeDocuments.updatedAt,
};

/** Lists under another org's source answer 404, as the source itself would. */
async function assertSource(ctx: ReadContext, sourceId: string): Promise<void> {
  const [row] = await ctx.deps.db
    .select({ id: knowledgeSources.id })
    .from(knowledgeSources)
    .where(and(eq(knowledgeSources.orgId, ctx.org.orgId), eq(knowledgeSources.id, sourceId)))
    .limit(1);
  if (!row) throw notFound("Source");
}

export async function selectSyncJob(db: Executor, orgId: string, syncJobId: string) {
  const [row] = await db
    .select(SYNC_JOB_COLUMNS)
    .from(sourceSyncJobs)
    .where(and(eq(sourceSyncJobs.orgId, orgId), eq(sourceSyncJobs.id, syncJobId)))
    .limit(1);
  if (!row) throw notFound("Sync job");
  return row;
}

export async function getSyncJob(ctx: ReadContext, syncJobId: string) {
  return { syncJob: await selectSyncJob(ctx.deps.db, ctx.org.orgId, syncJobId) };
}

export async function listSyncJobs(
  ctx: ReadContext,
  input: { sourceId: string; cursor?: string; limit: number },
) {
  await assertSource(ctx, input.sourceId);
  const where = [eq(sourceSyncJobs.orgId, ctx.org.orgId), eq(sourceSyncJobs.sourceId, input.sourceId)];
  if (input.cursor) where.push(lt(sourceSyncJobs.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(SYNC_JOB_COLUMNS)
    .from(sourceSyncJobs)
    .where(and(...where))
    .orderBy(desc(sourceSyncJobs.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}

export async function getDocument(ctx: ReadContext, documentId: string) {
  const [row] = await ctx.deps.db
    .select(DOCUMENT_COLUMNS)
    .from(knowledgeDocuments)
    .where(and(eq(knowledgeDocuments.orgId, ctx.org.orgId), eq(knowledgeDocuments.id, documentId)))
    .limit(1);
  if (!row) throw notFound("Document");
  return { document: row };
}

export async function listDocuments(
  ctx: ReadContext,
  input: { sourceId: string; cursor?: string; limit: number },
) {
  await assertSource(ctx, input.sourceId);
  const where = [
    eq(knowledgeDocuments.orgId, ctx.org.orgId),
    eq(knowledgeDocuments.sourceId, input.sourceId),
  ];
  if (input.cursor) where.push(lt(knowledgeDocuments.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(DOCUMENT_COLUMNS)
    .from(knowledgeDocuments)
    .where(and(...where))
    .orderBy(desc(knowledgeDocuments.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}

/** In document order: chunk ids are minted in position order when a document is (re)indexed. */
export async function listChunks(
  ctx: ReadContext,
  input: { documentId: string; cursor?: string; limit: number },
) {
  await getDocument(ctx, input.documentId);
  const where = [eq(knowledgeChunks.orgId, ctx.org.orgId), eq(knowledgeChunks.documentId, input.documentId)];
  if (input.cursor) where.push(gt(knowledgeChunks.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select({
      id: knowledgeChunks.id,
      documentId: knowledgeChunks.documentId,
      sourceId: knowledgeChunks.sourceId,
      position: knowledgeChunks.position,
      content: knowledgeChunks.content,
      tokens: knowledgeChunks.tokens,
    })
    .from(knowledgeChunks)
    .where(and(...where))
    .orderBy(asc(knowledgeChunks.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}
