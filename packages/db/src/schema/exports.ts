import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns";
import { organizations } from "./organizations";

export const EXPORT_KINDS = [
  "conversations",
  "leads",
  "feedback",
  "tickets",
  "knowledge",
  "audit",
  "usage",
] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_FORMATS = ["csv", "json", "ndjson"] as const;
export type ExportFileFormat = (typeof EXPORT_FORMATS)[number];
/** `include`: as stored; `hash`: visitor identifiers and emails keyed-hashed; `omit`: left out. */
export const EXPORT_PII_MODES = ["include", "hash", "omit"] as const;
export type ExportPiiMode = (typeof EXPORT_PII_MODES)[number];
export const EXPORT_STATUSES = ["queued", "running", "completed", "failed", "expired"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * An export job: what to export, its progress and, once completed, where its file is stored until
 * `expires_at` (the cleanup job deletes the file then and marks the row `expired`).
 */
export const exportJobs = pgTable(
  "export_jobs",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    kind: text().$type<ExportKind>().notNull(),
    format: text().$type<ExportFileFormat>().notNull(),
    pii: text().$type<ExportPiiMode>().notNull().default("include"),
    /** Filters: one bot (not a foreign key: the export outlives a purged bot), a createdAt range. */
    botId: uuid(),
    rangeFrom: timestamp({ withTimezone: true }),
    rangeTo: timestamp({ withTimezone: true }),
    status: text().$type<ExportStatus>().notNull().default("queued"),
    /** Rows counted when the run started (progress = rowsWritten / rowsTotal). */
    rowsTotal: integer(),
    rowsWritten: integer().notNull().default(0),
    bytes: bigint({ mode: "number" }),
    /** Runs started; a run after a crash starts the file again from the first row. */
    attempts: integer().notNull().default(0),
    storageKey: text(),
    error: text(),
    requestedById: uuid(),
    requestedByLabel: text(),
    startedAt: timestamp({ withTimezone: true }),
    completedAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("export_jobs_org_idx").on(t.orgId, t.id),
    index("export_jobs_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'completed'`),
    check(
      "export_jobs_status_check",
      sql`${t.status} in ('queued', 'running', 'completed', 'failed', 'expired')`,
    ),
    check("export_jobs_format_check", sql`${t.format} in ('csv', 'json', 'ndjson')`),
    check("export_jobs_pii_check", sql`${t.pii} in ('include', 'hash', 'omit')`),
  ],
);
