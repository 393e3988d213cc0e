import { type DatabaseHandle, openDatabase } from "@kyro/db";
import type { Config } from "./config";

/** Postgres when DATABASE_URL is set, else the embedded PGlite in the data directory. */
export function openConfiguredDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir">,
): Promise<DatabaseHandle> {
  return config.databaseUrl
    ? openDatabase({ kind: "postgres", url: config.databaseUrl })
    : openDatabase({ kind: "pglite", dataDir: config.dataDir });
}

/** Where the database lives, for log lines: never the URL itself, which may carry a password. */
export function describeDatabase(config: Pick<Config, "databaseUrl" | "dataDir">): string {
  if (!config.databaseUrl) return `PGlite in ${config.dataDir}`;
  const url = new URL(config.databaseUrl);
  return `Postgres at ${url.host}${url.pathname}`;
}
