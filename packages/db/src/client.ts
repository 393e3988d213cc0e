import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
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
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: "postgres"; url: string; maxConnections?: number }
  /** `dataDir` undefined keeps the database in memory (tests). */
  | { kind: "pglite"; dataDir?: string; client?: PGlite };

const drizzleConfig = { schema, casing: "snake_case" } as const;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.kind === "postgres") {
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: { application_name: "kyro" },
    });
    const db = drizzlePostgres({ client, ...drizzleConfig }) as unknown as Database;
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
      close: () => client.end({ timeout: 5 }),
    };
  }
  let client = options.client;
  if (!client) {
    if (options.dataDir) {
      const dir = join(options.dataDir, "pgdata");
      mkdirSync(dir, { recursive: true });
      client = await PGlite.create(dir);
    } else {
      client = await PGlite.create();
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
    close: () => pglite.close(),
  };
}

/** Objects (job payloads) go as JSON text and `undefined` as NULL: both drivers then agree on them. */
function plainParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return JSON.stringify(value);
  return value;
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
