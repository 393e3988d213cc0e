import { rebuildAnalytics } from "@kyro/api";
import { migrate } from "@kyro/db";
import { z } from "zod";
import { ConfigError, loadConfig } from "./config";
import { describeDatabase, openConfiguredDatabase } from "./database";

const USAGE = [
  "usage: npm run db:migrate  (or: node apps/server/dist/cli.js migrate)",
  "       node scripts/cli.mjs analytics:rebuild [--org <orgId>]",
].join("\n");

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
async function runMigrate(): Promise<void> {
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  try {
    await migrate(database);
    console.log(`Migrations applied: ${describeDatabase(config)}`);
  } finally {
    await database.close();
  }
}

/** `analytics:rebuild`: recomputes the analytics rollups of one org (or all) from the source tables. */
async function runRebuildAnalytics(orgId: string | null): Promise<void> {
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  try {
    await rebuildAnalytics(database.db, orgId);
    console.log(`Analytics rebuilt for ${orgId ?? "every organization"}: ${describeDatabase(config)}`);
  } finally {
    await database.close();
  }
}

const [command, ...extra] = process.argv.slice(2);
const orgFlag =
  extra[0] === "--org" && extra.length === 2 && z.uuid().safeParse(extra[1]).success ? extra[1] : undefined;
const valid =
  (command === "migrate" && extra.length === 0) ||
  (command === "analytics:rebuild" && (extra.length === 0 || orgFlag !== undefined));
if (!valid) {
  console.error(USAGE);
  process.exit(2);
}
try {
  if (command === "migrate") await runMigrate();
  else await runRebuildAnalytics(orgFlag ?? null);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    // Drizzle wraps driver errors ("Failed query: ..."); the cause says what went wrong.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    console.error(`${command} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  process.exit(1);
}
