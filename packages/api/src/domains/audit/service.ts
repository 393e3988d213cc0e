import { and, auditEvents, desc, type Executor, eq, gte, lt, type SQL } from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { notFound } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import { decodeCursor, pageOf } from "../../core/pagination";
import type { RequestInfo } from "../../core/request-info";
import { AUDIT_CHAIN_COLUMNS, AUDIT_EVENT_COLUMNS } from "../shared/audit-columns";
import { csvRecord } from "../shared/csv";
import { pagedExport } from "../shared/export-stream";
import type {
  AuditEventOutput,
  AuditFilters,
  AuditPageOutput,
  ExportAuditInput,
  ListAuditInput,
} from "./schemas";

export interface AuditServiceContext {
  deps: Pick<AppDeps, "db">;
  org: OrgScope;
}

/** Rows per query while exporting: memory stays flat however many events the org has. */
export const EXPORT_PAGE_SIZE = 500;

/** The list filters, or one event by its id (`audit.get`). */
type EventFilters = AuditFilters & { eventId?: string };

function conditions(orgId: string, filters: EventFilters, beforeId: string | null): SQL[] {
  const where: SQL[] = [eq(auditEvents.orgId, orgId)];
  if (filters.eventId) where.push(eq(auditEvents.id, filters.eventId));
  if (filters.from) where.push(gte(auditEvents.createdAt, new Date(filters.from)));
  if (filters.to) where.push(lt(auditEvents.createdAt, new Date(filters.to)));
  if (filters.actorId) where.push(eq(auditEvents.actorId, filters.actorId));
  if (filters.actorType) where.push(eq(auditEvents.actorType, filters.actorType));
  if (filters.action) where.push(eq(auditEvents.action, filters.action));
  if (filters.resourceType) where.push(eq(auditEvents.resourceType, filters.resourceType));
  if (filters.resourceId) where.push(eq(auditEvents.resourceId, filters.resourceId));
  if (beforeId) where.push(lt(auditEvents.id, beforeId));
  return where;
}

/** Keyset page, newest first: UUIDv7 ids order by time, so `id < beforeId` continues where the last page ended. */
async function selectPage(
  db: Executor,
  orgId: string,
  filters: EventFilters,
  beforeId: string | null,
  size: number,
): Promise<AuditEventOutput[]> {
  const rows = await db
    .select({ ...AUDIT_EVENT_COLUMNS, ...AUDIT_CHAIN_COLUMNS })
    .from(auditEvents)
    .where(and(...conditions(orgId, filters, beforeId)))
    .orderBy(desc(auditEvents.id))
    .limit(size);
  return rows.map((row) => ({
    id: row.id,
    orgId,
    actor: { type: row.actorType, id: row.actorId, label: row.actorLabel },
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    requestId: row.requestId,
    ip: row.ip,
    userAgent: row.userAgent,
    diff: row.diff,
    createdAt: row.createdAt,
    chainSeq: row.chainSeq,
    prevHash: row.prevHash,
    hash: row.hash,
  }));
}

export async function listAuditEvents(
  ctx: AuditServiceContext,
  input: ListAuditInput,
): Promise<AuditPageOutput> {
  const { cursor, limit, ...filters } = input;
  const beforeId = cursor ? decodeCursor(cursor) : null;
  return pageOf(await selectPage(ctx.deps.db, ctx.org.orgId, filters, beforeId, limit + 1), limit);
}

/** One event of the caller's org; another org's event answers 404 like an unknown id. */
export async function getAuditEvent(
  ctx: AuditServiceContext,
  eventId: string,
): Promise<{ event: AuditEventOutput }> {
  const [event] = await selectPage(ctx.deps.db, ctx.org.orgId, { eventId }, null, 1);
  if (!event) throw notFound("Audit event");
  return { event };
}

const CSV_COLUMNS = [
  "id",
  "createdAt",
  "orgId",
  "actorType",
  "actorId",
  "actorLabel",
  "action",
  "resourceType",
  "resourceId",
  "requestId",
  "ip",
  "userAgent",
  "diff",
  "chainSeq",
  "prevHash",
  "hash",
] as const;

function csvLine(event: AuditEventOutput): string {
  return csvRecord([
    event.id,
    event.createdAt.toISOString(),
    event.orgId,
    event.actor.type,
    event.actor.id,
    event.actor.label,
    event.action,
    event.resourceType,
    event.resourceId,
    event.requestId,
    event.ip,
    event.userAgent,
    event.diff ? JSON.stringify(event.diff) : null,
    event.chainSeq === null ? null : String(event.chainSeq),
    event.prevHash,
    event.hash,
  ]);
}

/**
 * Streams every matching event, newest first: CSV (header, then CRLF records) or one JSON array
 * sent in pieces. One chunk per page of EXPORT_PAGE_SIZE rows. Events written while the export runs
 * are newer than its first page and so never appear half-way through. See `pagedExport` for failures.
 */
export function exportAuditEvents(
  ctx: AuditServiceContext & { request: Pick<RequestInfo, "requestId"> },
  input: ExportAuditInput,
): AsyncGenerator<string, void, undefined> {
  const { format, ...filters } = input;
  return pagedExport({
    format,
    requestId: ctx.request.requestId,
    pageSize: EXPORT_PAGE_SIZE,
    page: (last) => selectPage(ctx.deps.db, ctx.org.orgId, filters, last?.id ?? null, EXPORT_PAGE_SIZE),
    csvColumns: CSV_COLUMNS,
    csvLine,
  });
}
