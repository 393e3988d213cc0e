import { and, desc, type Executor, eq, knowledgeSources, lt, newId, sourceSyncJobs } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { AppError, notFound } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import { assertOutboundUrl } from "../../core/outbound-url";
import { decodeCursor, pageOf } from "../../core/pagination";
import type { Principal } from "../../core/principal";
import { assertOrgBot } from "../shared/org-bots";
import { detectFileType } from "./extract";
import { selectSyncJob } from "./read-service";
import type { CreateSourceInput, ListSourcesInput, SourceView, UpdateSourceInput } from "./schemas";
import { queueSync } from "./sync";

export interface SourcesContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
  principal: Principal;
}

export const SOURCE_RESOURCE = "knowledge_source";

export const SOURCE_COLUMNS = {
  id: knowledgeSources.id,
  botId: knowledgeSources.botId,
  kind: knowledgeSources.kind,
  name: knowledgeSources.name,
  settings: knowledgeSources.settings,
  status: knowledgeSources.status,
  resyncIntervalHours: knowledgeSources.resyncIntervalHours,
  nextSyncAt: knowledgeSources.nextSyncAt,
  lastSyncedAt: knowledgeSources.lastSyncedAt,
  lastError: knowledgeSources.lastError,
  createdAt: knowledgeSources.createdAt,
  updatedAt: knowledgeSources.updatedAt,
};

/** The text of a text source is content, not a setting: it stays out of the view (documents show it). */
function toView(row: typeof knowledgeSources.$inferSelect | Record<keyof typeof SOURCE_COLUMNS, unknown>) {
  const { text: _text, ...settings } = row.settings as Record<string, unknown>;
  return { ...(row as SourceView), settings: settings as SourceView["settings"] };
}

export async function selectSource(db: Executor, orgId: string, sourceId: string, lock = false) {
  const query = db
    .select(SOURCE_COLUMNS)
    .from(knowledgeSources)
    .where(and(eq(knowledgeSources.orgId, orgId), eq(knowledgeSources.id, sourceId)));
  const [row] = await (lock ? query.for("update") : query.limit(1));
  if (!row) throw notFound("Source");
  return toView(row);
}

/** The kind's stored settings and file bytes; a file's type is read from its content, never its name. */
function settingsOf(deps: AppDeps, input: CreateSourceInput) {
  const { config } = input;
  switch (config.kind) {
    case "text":
      return { settings: { title: config.title ?? input.name, text: config.text }, fileContent: null };
    case "url": {
      assertOutboundUrl(deps, config.url, "config.url");
      const limits = deps.settings.sources;
      if (config.maxPages > limits.maxCrawlPages || config.maxDepth > limits.maxCrawlDepth) {
        throw new AppError("BAD_REQUEST", "The crawl exceeds this server's caps", {
          issues: [
            {
              path: config.maxPages > limits.maxCrawlPages ? "config.maxPages" : "config.maxDepth",
              code: "too_big",
              message: `At most ${limits.maxCrawlPages} pages and ${limits.maxCrawlDepth} links deep`,
            },
          ],
        });
      }
      return {
        settings: { url: config.url, maxDepth: config.maxDepth, maxPages: config.maxPages },
        fileContent: null,
      };
    }
    case "file": {
      const maxBytes = deps.settings.sources.maxFileBytes;
      // Checked on the encoded length first, so an oversized upload is not decoded at all.
      if (Math.floor((config.contentBase64.length * 3) / 4) > maxBytes + 2) {
        throw new AppError("PAYLOAD_TOO_LARGE", `The file exceeds ${maxBytes} bytes`, {
          limitBytes: maxBytes,
        });
      }
      const bytes = Buffer.from(config.contentBase64, "base64");
      if (bytes.length > maxBytes) {
        throw new AppError("PAYLOAD_TOO_LARGE", `The file exceeds ${maxBytes} bytes`, {
          limitBytes: maxBytes,
        });
      }
      const fileType = detectFileType(bytes, config.fileName);
      if (!fileType) {
        throw new AppError(
          "UNPROCESSABLE_CONTENT",
          "Unsupported file type: upload PDF, DOCX, HTML, Markdown or plain text",
          { reason: "unsupported_type" },
        );
      }
      return {
        settings: { fileName: config.fileName, fileType, fileBytes: bytes.length },
        fileContent: bytes,
      };
    }
    case "webhook":
      return { settings: {}, fileContent: null };
  }
}

export async function createSource(ctx: SourcesContext, input: CreateSourceInput) {
  const { orgId } = ctx.org;
  await assertOrgBot(ctx.deps.db, ctx.principal, orgId, input.botId);
  const { settings, fileContent } = settingsOf(ctx.deps, input);
  const id = newId();
  const webhook = input.config.kind === "webhook";
  return ctx.deps.db.transaction(async (tx) => {
    await tx.insert(knowledgeSources).values({
      id,
      orgId,
      botId: input.botId,
      kind: input.config.kind,
      name: input.name,
      settings,
      fileContent,
      status: webhook ? "ready" : "pending",
      resyncIntervalHours: webhook ? null : (input.resyncIntervalHours ?? null),
    });
    const syncJobId = webhook ? null : await queueSync(ctx.deps, tx, { orgId, id }, "created");
    const source = await selectSource(tx, orgId, id);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "source.create",
      resourceType: SOURCE_RESOURCE,
      resourceId: id,
      after: source,
    });
    return { source, syncJob: syncJobId ? await selectSyncJob(tx, orgId, syncJobId) : null };
  });
}

export async function listSources(ctx: SourcesContext, input: ListSourcesInput) {
  const where = [eq(knowledgeSources.orgId, ctx.org.orgId)];
  if (input.botId) where.push(eq(knowledgeSources.botId, input.botId));
  if (input.cursor) where.push(lt(knowledgeSources.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(SOURCE_COLUMNS)
    .from(knowledgeSources)
    .where(and(...where))
    .orderBy(desc(knowledgeSources.id))
    .limit(input.limit + 1);
  return pageOf(rows.map(toView), input.limit);
}

export async function getSource(ctx: SourcesContext, sourceId: string) {
  const { orgId } = ctx.org;
  const source = await selectSource(ctx.deps.db, orgId, sourceId);
  const [latest] = await ctx.deps.db
    .select({ id: sourceSyncJobs.id })
    .from(sourceSyncJobs)
    .where(and(eq(sourceSyncJobs.orgId, orgId), eq(sourceSyncJobs.sourceId, sourceId)))
    .orderBy(desc(sourceSyncJobs.id))
    .limit(1);
  return { source, syncJob: latest ? await selectSyncJob(ctx.deps.db, orgId, latest.id) : null };
}

export async function updateSource(ctx: SourcesContext, input: UpdateSourceInput) {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    const before = await selectSource(tx, orgId, input.sourceId, true);
    if (input.text !== undefined && before.kind !== "text") {
      throw new AppError("BAD_REQUEST", "Only text sources take `text`", {
        issues: [{ path: "text", code: "invalid_field", message: "Only text sources take `text`" }],
      });
    }
    const settings = input.text === undefined ? undefined : { ...before.settings, text: input.text };
    await tx
      .update(knowledgeSources)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.resyncIntervalHours !== undefined
          ? {
              resyncIntervalHours: input.resyncIntervalHours,
              nextSyncAt: input.resyncIntervalHours
                ? new Date(Date.now() + input.resyncIntervalHours * 3_600_000)
                : null,
            }
          : {}),
        ...(settings ? { settings, status: "pending" as const } : {}),
        updatedAt: new Date(),
      })
      .where(eq(knowledgeSources.id, input.sourceId));
    const syncJobId = settings
      ? await queueSync(ctx.deps, tx, { orgId, id: input.sourceId }, "manual")
      : null;
    const source = await selectSource(tx, orgId, input.sourceId);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "source.update",
      resourceType: SOURCE_RESOURCE,
      resourceId: input.sourceId,
      before,
      after: source,
    });
    return { source, syncJob: syncJobId ? await selectSyncJob(tx, orgId, syncJobId) : null };
  });
}

/** Documents and chunks go with it (foreign keys cascade); the bot then no longer answers from them. */
export async function deleteSource(ctx: SourcesContext, sourceId: string): Promise<void> {
  const { orgId } = ctx.org;
  await ctx.deps.db.transaction(async (tx) => {
    const before = await selectSource(tx, orgId, sourceId, true);
    await tx.delete(knowledgeSources).where(eq(knowledgeSources.id, sourceId));
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "source.delete",
      resourceType: SOURCE_RESOURCE,
      resourceId: sourceId,
      before,
    });
  });
}

export async function syncSource(ctx: SourcesContext, sourceId: string) {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    await selectSource(tx, orgId, sourceId, true);
    const syncJobId = await queueSync(ctx.deps, tx, { orgId, id: sourceId }, "manual");
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "source.sync",
      resourceType: SOURCE_RESOURCE,
      resourceId: sourceId,
    });
    return { syncJob: await selectSyncJob(tx, orgId, syncJobId) };
  });
}
