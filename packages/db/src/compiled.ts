import { fillPlaceholders, Param, Placeholder, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { type Database, type Executor, executorSql } from "./client";

interface RenderableQuery {
  toSQL(): { sql: string; params: unknown[] };
}

export type CompiledStatement<Name extends string> = (
  executor: Executor,
  values: Record<Name, unknown>,
) => Promise<Record<string, unknown>[]>;

/**
 * A statement rendered to SQL once, from a Drizzle query whose every value is `sql.placeholder(name)`;
 * each run only binds values and hands the text to the driver (prepared, one round trip), inside the
 * executor's transaction when given one. For hot paths: Drizzle renders a query again on every call,
 * ~0.1–0.2 ms of CPU for an insert, which a visitor message's five statements felt.
 *
 * Anything else Drizzle would bind — an id from `$defaultFn`, `updatedAt` from `$onUpdate`, a literal —
 * would be rendered once and then repeat on every run, so the first render refuses it: give every such
 * column a placeholder. Values go as the driver takes them (Dates, arrays, objects as JSON). Rows come
 * back as the driver returns them: column names, raw values. Rendering needs a database object, not a
 * connection, so it happens on first use with whichever executor comes first.
 */
export function compileStatement<Name extends string>(
  build: (db: Database) => RenderableQuery,
): CompiledStatement<Name> {
  let rendered: { sql: string; params: unknown[] } | undefined;
  return async (executor, values) => {
    rendered ??= render(build(executor as Database));
    // Drizzle's own binding: a placeholder in a column's place goes through that column's encoder.
    const params = fillPlaceholders(rendered.params, values);
    return (await executorSql(executor).executeSql(rendered.sql, params)).rows;
  };
}

function render(query: RenderableQuery): { sql: string; params: unknown[] } {
  const rendered = query.toSQL();
  const bound = (param: unknown) =>
    param instanceof Placeholder || (param instanceof Param && param.value instanceof Placeholder);
  if (!rendered.params.every(bound)) {
    throw new Error(`compiled statement binds a value that would repeat on every run: ${rendered.sql}`);
  }
  return rendered;
}

/** Compiled texts per row count are kept for batches up to this size; larger ones render each time. */
const MAX_COMPILED_ROWS = 16;

/**
 * `insert into <table> (<fields>) values (…), (…)` compiled once per row count. Every row gives every
 * field (see `compileStatement`: application defaults such as ids must be given, not left to Drizzle).
 */
export function compiledInsert<Field extends string>(table: PgTable, fields: readonly Field[]) {
  const byCount = new Map<number, CompiledStatement<string>>();
  const statementFor = (count: number) => {
    const known = byCount.get(count);
    if (known) return known;
    const statement = compileStatement<string>((db) =>
      db
        .insert(table)
        .values(
          Array.from({ length: count }, (_, row) =>
            Object.fromEntries(fields.map((field) => [field, sql.placeholder(`${field}_${row}`)])),
          ) as never,
        ),
    );
    if (count <= MAX_COMPILED_ROWS) byCount.set(count, statement);
    return statement;
  };
  return async (executor: Executor, rows: readonly Record<Field, unknown>[]): Promise<void> => {
    if (rows.length === 0) return;
    const values: Record<string, unknown> = {};
    rows.forEach((row, index) => {
      for (const field of fields) values[`${field}_${index}`] = row[field];
    });
    await statementFor(rows.length)(executor, values);
  };
}
