import { migrate } from "@kyro/db";
import { ConfigError, loadConfig } from "./config";
import { describeDatabase, openConfiguredDatabase } from "./database";

const USAGE = "usage: npm run db:migrate  (or: node apps/server/dist/cli.js migrate)";

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

const [command, ...extra] = process.argv.slice(2);
if (command !== "migrate" || extra.length > 0) {
  console.error(USAGE);
  process.exit(2);
}
try {
  await runMigrate();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    // Drizzle wraps driver errors ("Failed query: ..."); the cause says what went wrong.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    console.error(`Migration failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  process.exit(1);
}
