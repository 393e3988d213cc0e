/**
 * The compiled server, built on demand: `npm start`, the CLI and the test suite's global setup call
 * `ensureBuilt()` before they load `apps/server/dist/`. When any workspace source the server is made of
 * is newer than its build (a fresh clone, a `git pull`, an edit), the server and the packages it uses
 * are built first; otherwise nothing runs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
/**
 * Each workspace the server is made of (the widget script and the console it serves included), with the
 * file its build writes last.
 */
const PACKAGES = [
  ["packages/db", "dist/index.js"],
  ["packages/platform", "dist/index.js"],
  ["packages/api", "dist/index.js"],
  ["packages/sdk", "dist/widget.js"],
  ["apps/widget", "dist/widget.js"],
  ["apps/console", "dist/index.html"],
  ["apps/server", "dist/index.js"],
];
const SHARED_INPUTS = ["tsup.base.ts", "tsconfig.base.json", "package-lock.json"];

/** The newest modification time under `path` (a file, or a folder walked recursively). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function isStale([dir, output], sharedInputs) {
  const built = join(root, dir, output);
  if (!existsSync(built)) return true;
  const inputs = ["src", "package.json", "tsup.config.ts", "build.mjs", "vite.config.ts", "index.html"];
  const own = inputs.map((name) => newest(join(root, dir, name)));
  return Math.max(sharedInputs, ...own) > statSync(built).mtimeMs;
}

export function ensureBuilt() {
  const sharedInputs = Math.max(...SHARED_INPUTS.map((name) => newest(join(root, name))));
  if (!PACKAGES.some((entry) => isStale(entry, sharedInputs))) return;
  process.stderr.write("Building the server (its sources changed since the last build)…\n");
  const build = spawnSync(
    "npx",
    ["turbo", "run", "build", "--filter=@kyro/server...", "--output-logs=errors-only"],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" },
    },
  );
  if (build.status !== 0) {
    throw new Error(
      `The build failed (exit ${build.status ?? build.signal}); run \`npm run build\` to see why`,
    );
  }
}

// `node scripts/built.mjs`: build if stale, then exit (benchmarks and CI run it before they start).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) ensureBuilt();
