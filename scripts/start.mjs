/**
 * `npm start` (and `start:api`, `start:worker`): runs the compiled server in THIS process, so signals
 * reach it directly — no wrapper process relays them. When any workspace source is newer than its
 * build (a fresh clone, a `git pull`), the server and the packages it uses are built first.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = ["packages/db", "packages/platform", "packages/api", "apps/server"];

/** The newest modification time under `path` (a file or a folder, walked recursively). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function isStale(dir) {
  const built = join(root, dir, "dist/index.js");
  if (!existsSync(built)) return true;
  const sources = ["src", "package.json", "tsup.config.ts"].map((name) => newest(join(root, dir, name)));
  return Math.max(...sources, newest(join(root, "tsup.base.ts"))) > statSync(built).mtimeMs;
}

if (PACKAGES.some(isStale)) {
  process.stderr.write("Building the server (sources changed since the last build)…\n");
  const build = spawnSync(
    "npx",
    ["turbo", "run", "build", "--filter=@kyro/server...", "--output-logs=errors-only"],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" },
    },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}

await import(pathToFileURL(join(root, "apps/server/dist/main.js")).href);
