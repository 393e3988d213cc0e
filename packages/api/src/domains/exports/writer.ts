import type { ExportFileFormat } from "@kyro/db";
import { csvRecord } from "../shared/csv";
import { contentTypeFor } from "../shared/export-stream";
import type { ExportSource, Row, SourceContext } from "./sources";

// The streamed downloads' types, and NDJSON, which only export files are written as.
export const CONTENT_TYPES: Record<ExportFileFormat, string> = {
  csv: contentTypeFor("csv"),
  json: contentTypeFor("json"),
  ndjson: "application/x-ndjson; charset=utf-8",
};

function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** One row as a JSON object, its keys rendered once per export rather than once per row. */
function objectWriter(columns: readonly string[]): (row: Row) => string {
  const keys = columns.map((column, index) => `${index === 0 ? "{" : ","}${JSON.stringify(column)}:`);
  return (row) => {
    let text = "";
    for (let index = 0; index < keys.length; index++)
      text += keys[index] + JSON.stringify(row[index] ?? null);
    return `${text}}`;
  };
}

/** Called after each page with the rows written so far; awaited, so the writer never runs ahead of it. */
export type ExportProgress = (rowsWritten: number) => Promise<void>;

/**
 * The export file as text chunks, one per keyset page: memory holds one page whatever the export's size.
 * CSV: a header, then RFC 4180 records; JSON: one array of objects; NDJSON: one object per line.
 */
export async function* exportChunks(
  source: ExportSource,
  ctx: SourceContext,
  format: ExportFileFormat,
  pageSize: number,
  progress: ExportProgress,
): AsyncGenerator<string, void, undefined> {
  const asObject = objectWriter(source.columns);
  const line =
    format === "csv"
      ? (row: Row) => csvRecord(row.map(cellText))
      : format === "ndjson"
        ? (row: Row) => `${asObject(row)}\n`
        : asObject;
  let written = 0;
  if (format === "csv") yield csvRecord(source.columns);
  if (format === "json") yield "[";
  for (const segment of source.segments) {
    let afterId: string | null = null;
    for (;;) {
      const rows = await segment.page(ctx, afterId, pageSize);
      if (rows.length === 0) break;
      const lines = rows.map(line);
      const separator = format === "json" ? "," : "";
      yield (format === "json" && written > 0 ? "," : "") + lines.join(separator);
      written += rows.length;
      afterId = rows[rows.length - 1]?.[0] as string;
      await progress(written);
      if (rows.length < pageSize) break;
    }
  }
  if (format === "json") yield "]";
}
