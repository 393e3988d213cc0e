/** `npm run db:migrate` and other one-off commands: the compiled CLI, built first when needed. */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuilt, root } from "./built.mjs";

try {
  ensureBuilt();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(join(root, "apps/server/dist/cli.js")).href);
