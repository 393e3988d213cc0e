/**
 * The query builders and operators the other packages use, so that Drizzle is imported in this package
 * alone: its version is pinned here, and an upgrade is checked in one place. Add a name when a query
 * needs it.
 */
export {
  and,
  arrayContains,
  arrayOverlaps,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  max,
  ne,
  notInArray,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
export type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";

/** The rows of a raw `execute`: postgres.js answers the rows themselves, PGlite an object holding them. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
