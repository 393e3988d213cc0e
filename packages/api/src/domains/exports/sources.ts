import { type AnyPgColumn, and, asc, count, type Executor, eq, gt, gte, lt, type SQL } from "@kyro/db";
import type { Permission } from "../../core/policy";

/** Replaces a personal value as the export's PII option asks: as it is, a keyed hash, or null. */
export interface Mask {
  (value: string | null): string | null;
  /** Whether personal values are exported as they are (`include`). */
  readonly keeps: boolean;
}

export interface SourceContext {
  db: Executor;
  orgId: string;
  botId: string | null;
  from: Date | null;
  to: Date | null;
  mask: Mask;
}

/** One row as cells in the source's column order; the first cell is the row's id (the keyset). */
export type Row = unknown[];

interface Segment {
  /** The rows after `afterId` in id order (UUIDv7: time order), at most `size`. */
  page(ctx: SourceContext, afterId: string | null, size: number): Promise<Row[]>;
  count(ctx: SourceContext): Promise<number>;
}

export interface ExportSource {
  /** What the caller needs besides `exports:manage`: the permission that reads this data elsewhere. */
  permission: Permission;
  columns: readonly string[];
  /** Read one after the other (knowledge: Q&A entries, then source documents). */
  segments: readonly Segment[];
}

interface Table {
  id: AnyPgColumn;
  orgId: AnyPgColumn;
  createdAt: AnyPgColumn;
  botId?: AnyPgColumn;
}

function filters(ctx: SourceContext, table: Table, afterId: string | null): SQL | undefined {
  const where: (SQL | undefined)[] = [eq(table.orgId, ctx.orgId)];
  if (ctx.botId && table.botId) where.push(eq(table.botId, ctx.botId));
  if (ctx.from) where.push(gte(table.createdAt, ctx.from));
  if (ctx.to) where.push(lt(table.createdAt, ctx.to));
  if (afterId) where.push(gt(table.id, afterId));
  return and(...where);
}

type PageQuery = {
  where(condition: SQL | undefined): {
    orderBy(column: SQL | AnyPgColumn): { limit(size: number): Promise<Record<string, unknown>[]> };
  };
};

/** How a personal value is exported under the PII option. */
export type Personal = (value: unknown, mask: Mask) => unknown;
export const masked: Personal = (value, mask) => mask(value as string | null);
/** Kept only with `include`, else replaced (name, phone, custom fields identify a person as an email does). */
export const keptOr =
  (hidden: unknown): Personal =>
  (value, mask) =>
    mask.keeps ? value : hidden;

interface SegmentSpec {
  table: Table;
  /** The page query without its filters, order and limit; its selected names are the source's columns. */
  select: (db: Executor) => PageQuery;
  /** Columns whose cell is the same on every row (knowledge: which kind of item the row is). */
  constants?: Record<string, unknown>;
  personal?: Record<string, Personal>;
}

/** A segment over one table; a column the segment does not select is exported as null. */
function segment(columns: readonly string[], spec: SegmentSpec): Segment {
  // One getter per column, chosen once, so a row becomes cells without a lookup per cell.
  const getters = columns.map((column): ((row: Record<string, unknown>, mask: Mask) => unknown) => {
    if (spec.constants && column in spec.constants) {
      const value = spec.constants[column];
      return () => value;
    }
    const personal = spec.personal?.[column];
    if (personal) return (row, mask) => personal(row[column] ?? null, mask);
    return (row) => row[column] ?? null;
  });
  const { table } = spec;
  return {
    async page(ctx, afterId, size) {
      const rows = await spec
        .select(ctx.db)
        .where(filters(ctx, table, afterId))
        .orderBy(asc(table.id))
        .limit(size);
      return rows.map((row) => getters.map((get) => get(row, ctx.mask)));
    },
    async count(ctx) {
      const [row] = await ctx.db
        .select({ total: count() })
        .from(table.id.table)
        .where(filters(ctx, table, null));
      return row?.total ?? 0;
    },
  };
}

export function source(
  permission: Permission,
  columns: readonly string[],
  ...specs: SegmentSpec[]
): ExportSource {
  return { permission, columns, segments: specs.map((spec) => segment(columns, spec)) };
}
