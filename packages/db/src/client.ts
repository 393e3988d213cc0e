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
    close: () => pglite.close(),
  };
}
