import { ACTOR_TYPES } from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { singleLine } from "../../core/text-input";

export const AUDIT_EXPORT_FORMATS = ["csv", "json"] as const;

/** A Date through tRPC (superjson), or ISO 8601 text with an offset from REST query strings. */
const instant = z.union([z.date(), z.iso.datetime({ offset: true })]);

const filterShape = {
  /** Inclusive lower bound on `createdAt`. */
  from: instant.optional(),
  /** Exclusive upper bound on `createdAt`. */
  to: instant.optional(),
  actorId: z.uuid().optional(),
  actorType: z.enum(ACTOR_TYPES).optional(),
  action: singleLine().min(1).max(100).optional(),
  resourceType: singleLine().min(1).max(100).optional(),
  resourceId: singleLine().min(1).max(200).optional(),
};

const rangeIsOrdered = (filters: { from?: Date | string; to?: Date | string }) =>
  !filters.from || !filters.to || new Date(filters.from) <= new Date(filters.to);
const rangeMessage = { message: "`from` must not be after `to`", path: ["to"] };

export const listAuditInput = z
  .object({
    ...filterShape,
    /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage);
export type ListAuditInput = z.infer<typeof listAuditInput>;

export const exportAuditInput = z
  .object({ ...filterShape, format: z.enum(AUDIT_EXPORT_FORMATS) })
  .refine(rangeIsOrdered, rangeMessage);
export type ExportAuditInput = z.infer<typeof exportAuditInput>;

export type AuditFilters = Omit<ListAuditInput, "cursor" | "limit">;

/** OpenAPI component name of one event; the JSON export streams an array of them. */
export const AUDIT_EVENT_SCHEMA_ID = "AuditEvent";

const fields = z.record(z.string(), z.unknown());

export const auditEventOutput = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    actor: z.object({
      type: z.enum(ACTOR_TYPES),
      id: z.uuid().nullable(),
      label: z.string().nullable(),
    }),
    action: z.string(),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    /** Secret-looking fields are already "[redacted]" when the event is written. */
    diff: z.object({ before: fields.nullable().optional(), after: fields.nullable().optional() }).nullable(),
    /** ISO 8601 (UTC) text in JSON and CSV exports. */
    createdAt: z.date(),
    /** Position in the org's hash chain (docs/audit.md); the three chain fields are null only for events written before the chain existed and never backfilled. */
    chainSeq: z.number().int().nullable(),
    /** Hash of the previous event in the chain, 64 zeros for the first. */
    prevHash: z.string().nullable(),
    /** Lowercase hex SHA-256 of this event's canonical form. */
    hash: z.string().nullable(),
  })
  .meta({ id: AUDIT_EVENT_SCHEMA_ID });
export type AuditEventOutput = z.infer<typeof auditEventOutput>;

export const auditPageOutput = z
  .object({
    items: z.array(auditEventOutput),
    /** Pass back as `cursor` for the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "AuditEventPage" });
export type AuditPageOutput = z.infer<typeof auditPageOutput>;

/**
 * tRPC validates an output as a whole, not per chunk, so the stream is checked for its shape only;
 * each chunk is text the service formats from rows that match `auditEventOutput`.
 */
export const auditExportOutput = z.custom<AsyncIterable<string>>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] === "function",
  "Expected a stream of text chunks",
);

export const AUDIT_CHAIN_BREAKS = ["unchained", "sequence", "link", "hash", "head"] as const;

export const auditChainVerification = z
  .object({
    ok: z.boolean(),
    /** Events checked, oldest remaining first, up to and including the first broken one. */
    count: z.number().int(),
    firstSeq: z.number().int().nullable(),
    lastSeq: z.number().int().nullable(),
    /** Previous hash of the oldest remaining event: zeros, or the last purged event's hash. */
    anchor: z.string().nullable(),
    head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
    /** The first broken link; null when `ok`. */
    broken: z
      .object({
        kind: z.enum(AUDIT_CHAIN_BREAKS),
        id: z.uuid().nullable(),
        chainSeq: z.number().int().nullable(),
        expected: z.string(),
        found: z.string(),
      })
      .nullable(),
  })
  .meta({ id: "AuditChainVerification" });
export type AuditChainVerification = z.infer<typeof auditChainVerification>;

/** `audit.get`: one event of the org. */
export const getAuditEventInput = z.object({ eventId: z.uuid() });
