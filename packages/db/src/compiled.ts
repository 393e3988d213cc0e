/**
 * The one module that reaches into Drizzle's internals: the selected fields of a built query
 * (`getSelectedFields`), its placeholder binding (`fillPlaceholders`, `Param`, `Placeholder`) and the
 * driver client under an executor's session (`_.session.client`). drizzle-orm is pinned to an exact
 * version in packages/db/package.json; a lint rule (biome.json, noRestrictedImports) keeps these
 * imports out of every other file. Check this file against a new version before upgrading.
 *
 * Why: Drizzle renders a query again on every call (~0.1–0.2 ms of CPU for an insert, which a visitor
 * message's five statements felt), and it has no public way to keep a rendered statement for a driver-
 * neutral executor: its `.prepare()` is tied to the session it was made on, so it cannot run inside a
 * transaction started later (drizzle-team/drizzle-orm#613 and #2826, both open). pg-boss needs the
 * driver connection itself, for statements with reused `$n` parameters that Drizzle cannot express, and
 * Drizzle has no public way to reach a transaction's connection (drizzle-team/drizzle-orm#5239).
 */
import { Column, fillPlaceholders, is, Param, Placeholder, SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { type Database, type Executor, plainParameter } from "./client";

/** A built Drizzle query: its SQL, and what awaiting it would resolve to (rows, for a select). */
interface RenderableQuery {
  toSQL(): { sql: string; params: unknown[] };
}

/** The rows a query resolves to, as Drizzle types them; none for statements without `returning`. */
export type RowOf<Query> =
  Query extends PromiseLike<infer Result> ? (Result extends readonly (infer Row)[] ? Row : never) : never;

export type CompiledStatement<Name extends string, Row> = (
  executor: Executor,
  values: Record<Name, unknown>,
) => Promise<Row[]>;

interface Rendered {
  sql: string;
  params: unknown[];
  /** Turns a driver row (column names, raw values) into the query's own row; null without selected fields. */
  decode: ((raw: Record<string, unknown>) => unknown) | null;
}

/**
 * A statement rendered to SQL once, from a Drizzle query whose every value is `sql.placeholder(name)`
 * for one of `names`; each run only binds values and hands the text to the driver (prepared, one round
 * trip), inside the executor's transaction when given one. For hot paths.
 *
 * Anything else Drizzle would bind — an id from `$defaultFn`, `updatedAt` from `$onUpdate`, a literal —
 * would be rendered once and then repeat on every run, so the first render refuses it: give every such
 * column a placeholder. Values go as the driver takes them (Dates, arrays, objects as JSON). Rows come
 * back as Drizzle would return them: the selected fields' names and decoded values (Dates, numbers,
 * JSON). Rendering needs a database object, not a connection, so it happens on first use with whichever
 * executor comes first.
 */
export function compileStatement<const Name extends string, Query extends RenderableQuery>(
  names: readonly Name[],
  build: (db: Database) => Query,
): CompiledStatement<Name, RowOf<Query>> {
  let rendered: Rendered | undefined;
  return async (executor, values) => {
    rendered ??= render(executor as Database, build(executor as Database), names);
    // Drizzle's own binding: a placeholder in a column's place goes through that column's encoder.
    const params = fillPlaceholders(rendered.params, values);
    const { rows } = await executorSql(executor).executeSql(rendered.sql, params);
    const { decode } = rendered;
    return (decode ? rows.map(decode) : rows) as RowOf<Query>[];
  };
}

function placeholderName(param: unknown): string | null {
  if (param instanceof Placeholder) return param.name;
  if (param instanceof Param && param.value instanceof Placeholder) return param.value.name;
  return null;
}

function render(db: Database, query: RenderableQuery, names: readonly string[]): Rendered {
  const { sql: text, params } = query.toSQL();
  const used = params.map(placeholderName);
  if (used.includes(null)) {
    throw new Error(`compiled statement binds a value that would repeat on every run: ${text}`);
  }
  const unknown = used.filter((name) => name !== null && !names.includes(name));
  if (unknown.length > 0) {
    throw new Error(`compiled statement uses undeclared placeholders ${unknown.join(", ")}: ${text}`);
  }
  return { sql: text, params, decode: rowDecoder(db, query) };
}

interface FieldReader {
  /** The field's name in the query's rows. */
  key: string;
  /** Its column name in the driver's rows. */
  column: string;
  decoder: { mapFromDriverValue(value: unknown): unknown } | null;
}

/**
 * Maps driver rows to the query's rows as Drizzle's own `mapResultRow` does, by name rather than by
 * position: the drivers return objects here, so two selected fields of the same column name would
 * collide, and the first render refuses that (alias one with `.as(...)`).
 */
function rowDecoder(db: Database, query: RenderableQuery): Rendered["decode"] {
  const selected = (
    query as { getSelectedFields?: () => Record<string, unknown> | undefined }
  ).getSelectedFields?.();
  if (!selected) return null;
  const readers: FieldReader[] = Object.entries(selected).map(([key, field]) => {
    if (is(field, Column)) return { key, column: columnName(db, field), decoder: field };
    if (is(field, SQL.Aliased)) return { key, column: field.fieldAlias, decoder: decoderOf(field.sql) };
    throw new Error(`compiled statement field \`${key}\` must be a column or an aliased expression`);
  });
  const columns = new Set(readers.map((reader) => reader.column));
  if (columns.size !== readers.length) {
    throw new Error("compiled statement selects two fields of one column name; alias one with .as()");
  }
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (const { key, column, decoder } of readers) {
      const value = raw[column];
      row[key] =
        value === null || value === undefined || !decoder
          ? (value ?? null)
          : decoder.mapFromDriverValue(value);
    }
    return row;
  };
}

/** A column's name in SQL: the database's casing rule (snake_case here) applied to the field's key. */
function columnName(db: Database, column: Column): string {
  const { dialect } = db as unknown as { dialect: { casing: { getColumnCasing(column: Column): string } } };
  return dialect.casing.getColumnCasing(column);
}

/** An expression's decoder (`.mapWith(...)`), which Drizzle keeps on the SQL object without typing it. */
function decoderOf(expression: SQL): FieldReader["decoder"] {
  return (expression as unknown as { decoder: FieldReader["decoder"] }).decoder;
}

/** Compiled texts per row count are kept for batches up to this size; larger ones render each time. */
const MAX_COMPILED_ROWS = 16;

/**
 * `insert into <table> (<fields>) values (…), (…)` compiled once per row count. Every row gives every
 * field (see `compileStatement`: application defaults such as ids must be given, not left to Drizzle).
 */
export function compiledInsert<Field extends string>(table: PgTable, fields: readonly Field[]) {
  const byCount = new Map<number, CompiledStatement<string, never>>();
  const statementFor = (count: number) => {
    const known = byCount.get(count);
    if (known) return known;
    const names = Array.from({ length: count }, (_, row) => fields.map((field) => `${field}_${row}`)).flat();
    const statement = compileStatement(names, (db) =>
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

/** The driver connection under a Drizzle executor (inside a transaction: that transaction's). */
type DriverClient =
  | { unsafe(text: string, values: unknown[]): Promise<Record<string, unknown>[]> }
  | { query(text: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };

/**
 * Runs pg-boss statements through a Drizzle executor — inside a transaction when given one, so a job
 * commits or rolls back with the change that caused it. pg-boss reuses `$n` placeholders (one value
 * read as text in one place and as a timestamp in another), which Drizzle's own parameters cannot
 * express, so the statement goes to the driver connection of the executor's session as written.
 */
export function executorSql(executor: Executor): {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
} {
  const client = (executor._.session as unknown as { client: DriverClient }).client;
  return {
    async executeSql(text, values = []) {
      const params = values.map(plainParameter);
      if ("unsafe" in client) return { rows: [...(await client.unsafe(text, params))] };
      return { rows: (await client.query(text, params)).rows };
    },
  };
}
