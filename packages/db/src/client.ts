import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index";

export type Schema = typeof schema;
/** The driver-neutral database type every service takes: Postgres and PGlite share it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Services accept either, so a caller can compose them inside one transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  kind: "postgres" | "pglite";
  /** Throws when the database does not answer; used by /health/ready. */
  ping(): Promise<void>;
  /**
   * Raw SQL on this handle's own connection (pg-boss's `db` adapter): one statement with `$n` values,
   * or a multi-statement script when there are none.
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /**
   * Runs `work` while this process holds the named lock across every process using the database
   * (a Postgres session advisory lock on a connection of its own; `work` runs on the others). A PGlite
   * data directory belongs to one process, so there it just runs.
   */
  exclusively<T>(lockName: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: "postgres"; url: string; maxConnections?: number }
  /** `dataDir` undefined keeps the database in memory (tests). */
  | { kind: "pglite"; dataDir?: string; client?: PGlite };

/** The contrib extensions the migrations create (Postgres ships them; PGlite loads them on demand). */
export const PGLITE_EXTENSIONS = { btree_gin };

const drizzleConfig = { schema, casing: "snake_case" } as const;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.kind === "postgres") {
    // postgres.js is pinned to 4.x: in 3.x (up to 3.4.10) a query that failed after some of its rows
    // left the next result on that connection with empty leading slots (porsager/postgres#1119, #1181;
    // packages/db/test/failed-query-rows.test.ts). 4.x keeps each query's rows apart.
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: { application_name: "kyro" },
    });
    const db = drizzlePostgres({
      client: preparingEveryStatement(client),
      ...drizzleConfig,
    }) as unknown as Database;
    return {
      db,
      kind: "postgres",
      ping: async () => {
        await client`select 1`;
      },
      executeSql: async (text, values) => {
        if (values?.length) {
          const rows = await client.unsafe(
            text,
            values.map(plainParameter) as postgres.ParameterOrJSON<never>[],
          );
          return { rows: [...rows] as Record<string, unknown>[] };
        }
        // A script may BEGIN/COMMIT itself, which postgres-js allows only on a connection of its own.
        const reserved = await client.reserve();
        try {
          const rows = await reserved.unsafe(text).simple();
          return { rows: [...rows] as Record<string, unknown>[] };
        } finally {
          reserved.release();
        }
      },
      exclusively: async (lockName, work) => {
        const holder = await client.reserve();
        try {
          await holder`select pg_advisory_lock(hashtext(${lockName}))`;
          try {
            return await work();
          } finally {
            await holder`select pg_advisory_unlock(hashtext(${lockName}))`;
          }
        } finally {
          holder.release();
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  let client = options.client;
  if (!client) {
    if (options.dataDir) {
      const dir = join(options.dataDir, "pgdata");
      mkdirSync(dir, { recursive: true });
      client = await PGlite.create(dir, { extensions: PGLITE_EXTENSIONS });
    } else {
      client = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
    }
  }
  const pglite = client;
  const db = drizzlePglite({ client: pglite, ...drizzleConfig }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    ping: async () => {
      await pglite.query("select 1");
    },
    executeSql: async (text, values) => {
      if (values?.length) {
        const result = await pglite.query<Record<string, unknown>>(text, values.map(plainParameter));
        return { rows: result.rows };
      }
      const results = await pglite.exec(text);
      return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
    },
    exclusively: (_lockName, work) => work(),
    close: () => pglite.close(),
  };
}

type PostgresSql = postgres.Sql<Record<string, never>>;

/**
 * Drizzle sends a statement unprepared unless the query is given a name, and postgres.js then needs two
 * round trips for every statement with parameters (describe, then execute) while Postgres plans it
 * again each time. Kyro's statements are a fixed set of texts, so all of them are prepared instead —
 * postgres.js's own default: one prepared statement per text per connection, one round trip, the plan
 * kept. Transactions hand Drizzle a client of their own connection, wrapped the same way.
 * (Behind PgBouncer this needs session pooling, or transaction pooling with prepared-statement support.)
 */
function preparingEveryStatement(sql: PostgresSql): PostgresSql {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === "unsafe") return preparedUnsafe(target);
      if (property === "begin")
        return (...args: unknown[]) => pipelinedTransaction(target, args.at(-1) as Body);
      return Reflect.get(target, property, receiver);
    },
  });
}

type Body = (scoped: PostgresSql) => unknown;

const PREPARED = Object.freeze({ prepare: true });

/**
 * `sql.unsafe` with every statement prepared (see `preparingEveryStatement`). Drizzle passes no options,
 * so every call shares one frozen options object rather than spreading a new one.
 */
function preparedUnsafe(sql: PostgresSql) {
  return (text: string, params?: unknown[], options?: object) =>
    sql.unsafe(
      text,
      params as postgres.ParameterOrJSON<never>[],
      options === undefined ? PREPARED : { ...options, prepare: true },
    );
}

/**
 * What Drizzle's transactions run on instead of postgres.js's `begin`, which waits for BEGIN to
 * answer before the first statement goes out: here BEGIN is pipelined with the transaction's first
 * statement, saving one round trip per transaction (every mutation, since each is audited in one).
 * A statement that failed unawaited leaves Postgres answering COMMIT with ROLLBACK; that is an error
 * here, never a silent loss. Savepoints (Drizzle's nested transactions) follow postgres.js's naming.
 */
async function pipelinedTransaction(sql: PostgresSql, body: Body): Promise<unknown> {
  const connection = await sql.reserve();
  let savepoints = 0;
  let failure: unknown;
  const statement = (text: string) => connection.unsafe(text, [], { prepare: true });
  const unsafe = preparedUnsafe(connection as unknown as PostgresSql);
  // What the transaction body and its savepoints run on: the reserved connection, failures noted.
  const scoped = new Proxy(connection as unknown as PostgresSql, {
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (text: string, params?: unknown[], options?: object) => {
          const query = unsafe(text, params, options);
          query.catch((error: unknown) => {
            failure ??= error;
          });
          return query;
        };
      }
      if (property === "savepoint") return (...args: unknown[]) => savepoint(args.at(-1) as Body);
      return Reflect.get(target, property, receiver);
    },
  });
  async function savepoint(inner: Body): Promise<unknown> {
    const name = `s${savepoints++}`;
    await statement(`savepoint ${name}`);
    try {
      const result = await inner(scoped);
      await statement(`release savepoint ${name}`);
      return result;
    } catch (error) {
      await statement(`rollback to savepoint ${name}`);
      throw error;
    }
  }
  try {
    const begun = statement("begin").execute();
    let result: unknown;
    try {
      result = await body(scoped);
      await begun;
    } catch (error) {
      await begun.catch(() => {});
      await statement("rollback");
      // "current transaction is aborted" only echoes an earlier statement's failure: report that one.
      throw failure && (error as { code?: string }).code === "25P02" ? failure : error;
    }
    const committed = await statement("commit");
    if (committed.command !== "COMMIT") {
      throw failure ?? new Error(`Postgres ended the transaction with ${committed.command}`);
    }
    return result;
  } finally {
    connection.release();
  }
}

/** Objects (job payloads) go as JSON text and `undefined` as NULL: both drivers then agree on them. */
export function plainParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return JSON.stringify(value);
  return value;
}
