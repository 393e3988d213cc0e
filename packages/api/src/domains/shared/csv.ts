/** Spreadsheet apps run a cell starting with one of these as a formula (CSV injection, OWASP). */
const FORMULA_TRIGGER = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field; a would-be formula gets a leading apostrophe so it is shown as text. */
export function csvCell(value: string | null): string {
  if (value === null || value === "") return "";
  const guarded = FORMULA_TRIGGER.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** One record, CRLF-terminated as RFC 4180 asks. */
export function csvRecord(cells: readonly (string | null)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
