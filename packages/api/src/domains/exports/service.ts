import { Readable } from "node:stream";
import { and, desc, eq, exportJobs, lt, newId } from "@kyro/db";
import { ObjectNotFoundError } from "@kyro/platform";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { AppError, forbidden, notFound } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import { decodeCursor, pageOf } from "../../core/pagination";
import { type Permission, roleHasPermission, scopesGranting, scopesHavePermission } from "../../core/policy";
import type { Principal } from "../../core/principal";
import type { RequestInfo } from "../../core/request-info";
import { assertOrgBot } from "../shared/org-bots";
import { signedQuery, verifyLink } from "./links";
import { EXPORT_QUEUE } from "./run";
import type { CreateExportInput, DownloadExportInput, ExportOutput, ListExportsInput } from "./schemas";
import "./settings";
import { EXPORT_SOURCES } from "./source-kinds";

export interface ExportsContext {
  deps: AppDeps;
  org: OrgScope;
  principal: Principal;
}

const RESOURCE = "export";

const exportColumns = {
  id: exportJobs.id,
  kind: exportJobs.kind,
  format: exportJobs.format,
  pii: exportJobs.pii,
  botId: exportJobs.botId,
  from: exportJobs.rangeFrom,
  to: exportJobs.rangeTo,
  status: exportJobs.status,
  rowsTotal: exportJobs.rowsTotal,
  rowsWritten: exportJobs.rowsWritten,
  bytes: exportJobs.bytes,
  attempts: exportJobs.attempts,
  error: exportJobs.error,
  createdAt: exportJobs.createdAt,
  startedAt: exportJobs.startedAt,
  completedAt: exportJobs.completedAt,
  expiresAt: exportJobs.expiresAt,
};
type ExportRow = Omit<ExportOutput, "progress" | "downloadUrl">;

/** The caller must also hold what reads this data elsewhere (audit needs `audit:export`, …). */
function assertMayRead(ctx: ExportsContext, permission: Permission): void {
  if (ctx.principal.kind === "apiKey") {
    if (scopesHavePermission(ctx.principal.scopes, permission)) return;
    throw new AppError("FORBIDDEN", "This API key's scopes do not allow exporting this data", {
      reason: "scope",
      requiredScopes: scopesGranting(permission),
    });
  }
  if (!ctx.org.role || !roleHasPermission(ctx.org.role, permission)) throw forbidden("role");
}

function toOutput(deps: AppDeps, row: ExportRow, now: Date): ExportOutput {
  const available = row.status === "completed" && row.expiresAt !== null && row.expiresAt > now;
  let downloadUrl: string | null = null;
  if (available && row.expiresAt) {
    const linkEnd = Math.min(
      now.getTime() + deps.settings.exports.linkTtlSeconds * 1000,
      row.expiresAt.getTime(),
    );
    const query = signedQuery(deps.hmacKeys.exportLink, {
      exportId: row.id,
      format: row.format,
      expires: Math.floor(linkEnd / 1000),
    });
    downloadUrl = `${deps.settings.publicUrl}/api/v1/exports/${row.id}/download?${query}`;
  }
  const progress =
    row.status === "completed"
      ? 100
      : row.rowsTotal
        ? Math.min(99, Math.floor((row.rowsWritten / row.rowsTotal) * 100))
        : 0;
  return { ...row, progress, downloadUrl };
}

/** Queues an export job (a row and its pg-boss job, in one transaction with the audit event). */
export async function createExport(
  ctx: ExportsContext & { audit: AuditScope },
  input: CreateExportInput,
  now = new Date(),
): Promise<ExportOutput> {
  const { db } = ctx.deps;
  assertMayRead(ctx, EXPORT_SOURCES[input.kind].permission);
  if (input.botId) await assertOrgBot(db, ctx.principal, ctx.org.orgId, input.botId);
  const id = newId();
  const values = {
    kind: input.kind,
    format: input.format,
    pii: input.pii,
    botId: input.botId ?? null,
    rangeFrom: input.from ? new Date(input.from) : null,
    rangeTo: input.to ? new Date(input.to) : null,
  };
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(exportJobs)
      .values({
        id,
        orgId: ctx.org.orgId,
        ...values,
        requestedById: ctx.audit.actor.id,
        requestedByLabel: ctx.audit.actor.label,
      })
      .returning(exportColumns);
    await ctx.deps.jobs.enqueue(tx, EXPORT_QUEUE, { exportId: id });
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "export.created",
      resourceType: RESOURCE,
      resourceId: id,
      after: values,
    });
    return inserted;
  });
  if (!row) throw new Error("export insert returned no row");
  return toOutput(ctx.deps, row, now);
}

export async function getExport(
  ctx: ExportsContext,
  exportId: string,
  now = new Date(),
): Promise<ExportOutput> {
  const [row] = await ctx.deps.db
    .select(exportColumns)
    .from(exportJobs)
    .where(and(eq(exportJobs.id, exportId), eq(exportJobs.orgId, ctx.org.orgId)))
    .limit(1);
  if (!row) throw notFound("Export");
  return toOutput(ctx.deps, row, now);
}

export async function listExports(
  ctx: ExportsContext,
  input: ListExportsInput,
  now = new Date(),
): Promise<{ items: ExportOutput[]; nextCursor: string | null }> {
  const where = [eq(exportJobs.orgId, ctx.org.orgId)];
  if (input.cursor) where.push(lt(exportJobs.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(exportColumns)
    .from(exportJobs)
    .where(and(...where))
    .orderBy(desc(exportJobs.id))
    .limit(input.limit + 1);
  const page = pageOf(rows, input.limit);
  return { items: page.items.map((row) => toOutput(ctx.deps, row, now)), nextCursor: page.nextCursor };
}

/** Who downloads by a signed link is not known, only from where: the link is the credential. */
const LINK_ACTOR = { type: "system", id: null, label: "signed link" } as const;

/**
 * The stored file behind a signed link. The signature is checked before anything is read, so a
 * tampered or expired link answers 403 whether or not the export exists; a valid link to a file that
 * is gone (expired and cleaned up, or never completed) answers 404. Once the file is open, the download
 * is audited (`export.downloaded`, in its own transaction) before a byte is sent: a download that
 * cannot be recorded is refused rather than served unrecorded.
 */
export async function downloadExport(
  deps: AppDeps,
  input: DownloadExportInput,
  request: RequestInfo,
  now = new Date(),
): Promise<AsyncIterable<string>> {
  verifyLink(deps.hmacKeys.exportLink, input, input.signature, now);
  const [row] = await deps.db
    .select({
      orgId: exportJobs.orgId,
      kind: exportJobs.kind,
      status: exportJobs.status,
      format: exportJobs.format,
      storageKey: exportJobs.storageKey,
    })
    .from(exportJobs)
    .where(eq(exportJobs.id, input.exportId))
    .limit(1);
  if (row?.status !== "completed" || !row.storageKey || row.format !== input.format) {
    throw notFound("Export");
  }
  let file: Readable;
  try {
    file = Readable.from(await deps.exportStorage.get(row.storageKey));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw notFound("Export");
    throw error;
  }
  try {
    await deps.db.transaction((tx) =>
      recordAudit(
        tx,
        { actor: LINK_ACTOR, request },
        {
          orgId: row.orgId,
          action: "export.downloaded",
          resourceType: RESOURCE,
          resourceId: input.exportId,
          after: { kind: row.kind, format: row.format },
        },
      ),
    );
  } catch (error) {
    file.destroy();
    throw error;
  }
  // Decoded as a stream, so a character split between two reads is never cut in half.
  file.setEncoding("utf8");
  return file;
}
