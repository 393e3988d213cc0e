/**
 * `npm start` (and `start:api`, `start:worker`): builds when the sources changed, then runs the
 * compiled server in THIS process, so signals reach the server directly — no wrapper relays them.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuilt, root } from "./built.mjs";

try {
  ensureBuilt();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(join(root, "apps/server/dist/main.js")).href);
