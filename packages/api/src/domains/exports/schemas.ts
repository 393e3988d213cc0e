import { EXPORT_FORMATS, EXPORT_KINDS, EXPORT_PII_MODES, EXPORT_STATUSES } from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { token } from "../../core/text-input";
import { instant, rangeIsOrdered, rangeMessage } from "../shared/schemas";

export const exportKind = z.enum(EXPORT_KINDS).meta({ id: "ExportKind" });
export const exportFormat = z.enum(EXPORT_FORMATS).meta({ id: "ExportFormat" });

export const createExportInput = z
  .object({
    kind: exportKind,
    format: exportFormat,
    /** Only this bot's rows (audit: events about anything; the filter does not apply). */
    botId: z.uuid().optional(),
    /** Inclusive lower bound on the rows' `createdAt`. */
    from: instant.optional(),
    /** Exclusive upper bound on the rows' `createdAt`. */
    to: instant.optional(),
    /** `hash`: visitor identifiers and emails as keyed hashes; `omit`: left out; default `include`. */
    pii: z.enum(EXPORT_PII_MODES).default("include"),
  })
  .refine(rangeIsOrdered, rangeMessage);
export type CreateExportInput = z.infer<typeof createExportInput>;

export const exportIdInput = z.object({ exportId: z.uuid() });
export const listExportsInput = z.object({ ...pageFields });
export type ListExportsInput = z.infer<typeof listExportsInput>;

/** The query of a signed download link (see `exports.get`'s `downloadUrl`). */
export const downloadExportInput = z.object({
  exportId: z.uuid(),
  format: exportFormat,
  /** Unix seconds after which the link no longer works. */
  expires: z.int().min(0),
  signature: token().regex(/^[0-9a-f]{64}$/, "A signature is 64 hexadecimal characters"),
});
export type DownloadExportInput = z.infer<typeof downloadExportInput>;

export const exportOutput = z
  .object({
    id: z.uuid(),
    kind: exportKind,
    format: exportFormat,
    pii: z.enum(EXPORT_PII_MODES),
    botId: z.uuid().nullable(),
    from: z.date().nullable(),
    to: z.date().nullable(),
    status: z.enum(EXPORT_STATUSES),
    /** Rows to write, counted when the run started; null before. */
    rowsTotal: z.int().nullable(),
    rowsWritten: z.int(),
    /** 0–100; 100 once completed. */
    progress: z.int(),
    bytes: z.int().nullable(),
    attempts: z.int(),
    error: z.string().nullable(),
    createdAt: z.date(),
    startedAt: z.date().nullable(),
    completedAt: z.date().nullable(),
    /** When the file is deleted (completed exports). */
    expiresAt: z.date().nullable(),
    /** A signed link valid for a few minutes, present while the file is available; ask again for a fresh one. */
    downloadUrl: z.string().nullable(),
  })
  .meta({ id: "Export" });
export type ExportOutput = z.infer<typeof exportOutput>;

export const exportResultOutput = z.object({ export: exportOutput }).meta({ id: "ExportResult" });
export const exportPageOutput = z
  .object({ items: z.array(exportOutput), nextCursor: z.string().nullable() })
  .meta({ id: "ExportPage" });

/** tRPC validates the stream's shape only; the chunks are the stored file. */
export const exportDownloadOutput = z.custom<AsyncIterable<string>>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] === "function",
  "Expected a stream of text chunks",
);
