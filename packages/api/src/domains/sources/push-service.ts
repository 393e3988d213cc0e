import { eq, knowledgeSources, newId, sourceSyncJobs } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { AppError } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import { selectSyncJob } from "./read-service";
import type { PushDocumentsInput } from "./schemas";
import { SOURCE_RESOURCE, type SourcesContext, selectSource } from "./service";
import { storeDocuments } from "./sync";

/**
 * The webhook push: documents are added or replaced under their keys at once, in the request's
 * transaction, recorded as a succeeded sync job (trigger `push`) with a `source.synced` event.
 */
export async function pushDocuments(ctx: SourcesContext, input: PushDocumentsInput) {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    const source = await selectSource(tx, orgId, input.sourceId, true);
    if (source.kind !== "webhook") {
      throw new AppError("CONFLICT", "Documents can be pushed to webhook sources only", {
        reason: "not_webhook_source",
      });
    }
    const stats = await storeDocuments(
      tx,
      { id: source.id, orgId, botId: source.botId },
      input.documents.map((document) => ({
        externalKey: document.key,
        title: document.title,
        url: document.url ?? null,
        text: document.text,
      })),
      false,
    );
    const now = new Date();
    const syncJobId = newId();
    const fullStats = { pages: 0, errors: 0, ...stats };
    await tx.insert(sourceSyncJobs).values({
      id: syncJobId,
      orgId,
      sourceId: source.id,
      trigger: "push",
      status: "succeeded",
      attempts: 1,
      stats: fullStats,
      startedAt: now,
      finishedAt: now,
    });
    await tx
      .update(knowledgeSources)
      .set({ lastSyncedAt: now, status: "ready" })
      .where(eq(knowledgeSources.id, source.id));
    await emitEvent(tx, {
      orgId,
      type: "source.synced",
      data: { sourceId: source.id, botId: source.botId, syncJobId, stats: fullStats },
    });
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "source.push",
      resourceType: SOURCE_RESOURCE,
      resourceId: source.id,
    });
    return { syncJob: await selectSyncJob(tx, orgId, syncJobId) };
  });
}
