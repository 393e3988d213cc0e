import { csvRecord } from "./csv";

export type ExportFormat = "csv" | "json";

export function contentTypeFor(format: ExportFormat): string {
  return format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
}

export interface PagedExport<Row> {
  format: ExportFormat;
  /** Named in the failure marker, so the failed download can be matched with the server's log line. */
  requestId: string;
  pageSize: number;
  /** The keyset page after `last` (null: the first page), in export order. */
  page(last: Row | null): Promise<Row[]>;
  csvColumns: readonly string[];
  csvLine(row: Row): string;
}

export const EXPORT_FAILED_CODE = "EXPORT_FAILED";

/**
 * What ends an export that failed after its first chunk was sent. CSV: a last line starting with `#`
 * (no data row can: the first column is an id). JSON: a last array element `{"error": {...}}` and no
 * closing `]`, so the file is not valid JSON and cannot be mistaken for a complete one.
 */
export function exportFailureMarker(format: ExportFormat, requestId: string): string {
  if (format === "csv") return `# export failed: ${requestId}\r\n`;
  const message = "The export failed before it was complete; the items above are partial";
  return `,${JSON.stringify({ error: { code: EXPORT_FAILED_CODE, message, requestId } })}`;
}

function chunkOf<Row>(spec: PagedExport<Row>, rows: readonly Row[], first: boolean): string {
  if (spec.format === "csv") {
    const lines = rows.map((row) => spec.csvLine(row)).join("");
    return first ? csvRecord(spec.csvColumns) + lines : lines;
  }
  const items = rows.map((row) => JSON.stringify(row)).join(",");
  return first ? `[${items}` : `,${items}`;
}

/**
 * Streams a keyset-paged export as CSV (header, then CRLF records) or as one JSON array, one chunk per
 * page. The first page is queried and formatted before anything is yielded: the HTTP layer sends its
 * status line with the first chunk, so a failure up to there still answers with an error status and
 * envelope. A later failure yields the failure marker, then rethrows so the transfer is cut short.
 */
export async function* pagedExport<Row>(spec: PagedExport<Row>): AsyncGenerator<string, void, undefined> {
  let page = await spec.page(null);
  yield chunkOf(spec, page, true);
  try {
    while (page.length === spec.pageSize) {
      page = await spec.page(page.at(-1) ?? null);
      if (page.length === 0) break;
      yield chunkOf(spec, page, false);
    }
  } catch (error) {
    yield exportFailureMarker(spec.format, spec.requestId);
    throw error;
  }
  if (spec.format === "json") yield "]";
}
