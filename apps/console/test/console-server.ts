import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { inject, onTestFailed } from "vitest";
import {
  freePort,
  freshDatabaseEnv,
  type RunningScript,
  runNpmScript,
} from "../../server/test/process-harness";
import { launchChromium } from "./browser";
import type {} from "./provided";

/** The console browser tests' shared setup: `npm start` on a fresh database, and Chromium. */

export const PASSWORD = "correct-horse-battery-staple";
/**
 * How long one step may wait. CI runs these beside the rest of the suite on two CPUs (load average
 * 15–30), where a single step once outlasted Playwright's 30 s default; the wait only ends a hung run.
 */
export const STEP_TIMEOUT_MS = 90_000;

export interface ConsoleServer {
  server: RunningScript;
  base: string;
  dataDir: string;
  browser: Browser;
}

/**
 * Starts the built server (serving the built console) on the embedded database, or on Postgres +
 * Redis when the suite has them, and launches Chromium; `cleanups` stops both.
 */
export async function startConsoleServer(cleanups: (() => Promise<void> | void)[]): Promise<ConsoleServer> {
  const redisUrl = inject("redisUrl");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(await freshDatabaseEnv(inject("databaseUrl"), cleanups)),
    // Its own key prefix: the sign-up and mail throttles count per address across every run on this Redis.
    ...(inject("databaseUrl") && redisUrl
      ? { REDIS_URL: redisUrl, KYRO_REDIS_PREFIX: `kyro-e2e-${randomBytes(4).toString("hex")}` }
      : {}),
    KYRO_SECRET: randomBytes(32).toString("hex"),
    PORT: String(port),
    HOST: "127.0.0.1",
    KYRO_PUBLIC_URL: base,
    KYRO_LIMITS_ENABLED: "false",
  };
  const server = runNpmScript("start", env);
  cleanups.push(async () => {
    const pgid = server.child.pid;
    if (pgid !== undefined && server.child.exitCode === null) process.kill(-pgid, "SIGTERM");
    await server.exited;
  });
  await server.waitForLog("the server to listen", (line) => line.msg.startsWith("Kyro listening on"));
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  return { server, base, dataDir: env.KYRO_DATA_DIR as string, browser };
}

/**
 * With KYRO_SCREENSHOTS=1 a run also saves the main screens to docs/screenshots/ (committed; not part
 * of the normal suite): `KYRO_SCREENSHOTS=1 npx vitest run apps/console/test/`.
 */
// biome-ignore lint/style/noProcessEnv: a switch for this one documentation run, not a setting of Kyro.
const SCREENSHOTS = process.env.KYRO_SCREENSHOTS === "1";
const SCREENSHOT_DIR = fileURLToPath(new URL("../../../docs/screenshots/", import.meta.url));
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
  if (!SCREENSHOTS) return;
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), ...options });
}

/**
 * Fails the test on any CSP violation or uncaught error the page reports. When a step fails anyway,
 * prints what the member would see, the calls that failed and the server's warnings, so a failure
 * seen only under CI's load can be read from its log.
 */
export function watchProblems(page: Page, server: RunningScript): string[] {
  const problems: string[] = [];
  const failedCalls: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy|Refused/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) failedCalls.push(`${response.status()} ${response.url()}`);
  });
  onTestFailed(async () => {
    const screen = await page
      .locator("body")
      .innerText({ timeout: 5_000 })
      .catch((error: Error) => `(unreadable: ${error.message})`);
    const warnings = server.logs().filter((line) => line.level >= 40);
    console.error(
      [
        `at ${page.url()}`,
        `screen:\n${screen.slice(0, 4_000)}`,
        `failed calls:\n${failedCalls.join("\n") || "none"}`,
        `server warnings:\n${warnings.map((line) => JSON.stringify(line)).join("\n") || "none"}`,
      ].join("\n"),
    );
  });
  return problems;
}
