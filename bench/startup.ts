/**
 * Issue #2 and #8 targets, each next to a baseline measured in the same run:
 * - cold start: process start → /health/ready 200 on a fresh embedded data dir, vs a bare node:http process
 *   started the same way and polled the same way.
 * - restart: `npm start` on a built tree with an existing embedded data directory → /health/ready 200
 *   (≤ 4 s), vs the same bare process.
 * - first start: `npm start` in a fresh clone (installed dependencies, no build, no data) → /health/ready
 *   200, build and migrations included (≤ 30 s).
 * - login latency: p50/p99 of auth.login over HTTP, vs one argon2id verify with the same parameters in this
 *   process (login is dominated by the password hash, by design).
 * - login timing equality: wrong email vs wrong password p50, whose ratio should stay near 1.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashPassword, verifyPassword } from "@kyro/platform";
import { mailBody } from "@kyro/platform/testing";

const repoRoot = new URL("..", import.meta.url).pathname;
/** The compiled server, as `npm start` runs it (`npm run bench` builds first). */
const MAIN = join(repoRoot, "apps/server/dist/main.js");
// The children get a clean environment: the embedded default, whatever the shell has set.
const basePath = { PATH: process.env.PATH };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const round = (n: number) => Math.round(n * 100) / 100;

async function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  readyUrl: string,
  cwd = repoRoot,
) {
  const started = performance.now();
  // Its own process group, so stopping `npm start` stops the server npm runs too.
  const child = spawn(command, args, { env, stdio: "ignore", cwd, detached: true });
  await waitFor(readyUrl, 120_000);
  return { child, ms: performance.now() - started };
}

async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    process.kill(-(child.pid as number), "SIGTERM");
  });
}

async function bareStart(): Promise<number> {
  const port = await freePort();
  const bare = await startProcess(
    process.execPath,
    ["-e", `require("node:http").createServer((q,s)=>s.end("ok")).listen(${port},"127.0.0.1")`],
    {},
    `http://127.0.0.1:${port}/`,
  );
  await stop(bare.child);
  return bare.ms;
}

/** `npm start` → /health/ready 200 in `cwd`, over `dataDir`; resolves with the time it took. */
async function npmStart(cwd: string, dataDir: string): Promise<number> {
  const port = await freePort();
  const env = {
    ...basePath,
    HOME: process.env.HOME,
    KYRO_DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: "warn",
  };
  const run = await startProcess("npm", ["start"], env, `http://127.0.0.1:${port}/health/ready`, cwd);
  await stop(run.child);
  return run.ms;
}

/** Restart of a built tree: the data directory exists (created and migrated by a first start, not counted). */
async function restart() {
  const dataDir = mkdtempSync(join(tmpdir(), "kyro-bench-"));
  try {
    await npmStart(repoRoot, dataDir);
    const bareRuns: number[] = [];
    const kyroRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      bareRuns.push(await bareStart());
      kyroRuns.push(await npmStart(repoRoot, dataDir));
    }
    const bare = quantile(bareRuns, 0.5);
    const kyro = quantile(kyroRuns, 0.5);
    return { bareNodeMs: round(bare), npmStartMs: round(kyro), ratio: round(kyro / bare), targetMs: 4_000 };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A fresh clone of the committed tree with its dependencies installed (node_modules linked from this
 * tree, as \`npm ci\` would lay them out) and nothing built: the first \`npm start\` builds every
 * package, creates the data directory and migrates it.
 */
async function firstStart() {
  const clone = mkdtempSync(join(tmpdir(), "kyro-bench-clone-"));
  const dataDir = mkdtempSync(join(tmpdir(), "kyro-bench-"));
  try {
    execFileSync("git", ["clone", "--quiet", "--no-hardlinks", repoRoot, clone]);
    for (const dir of [
      "",
      "apps/server",
      "packages/api",
      "packages/db",
      "packages/platform",
      "packages/sdk",
    ]) {
      const modules = join(repoRoot, dir, "node_modules");
      if (existsSync(modules))
        cpSync(modules, join(clone, dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
    }
    const bare = await bareStart();
    const kyro = await npmStart(clone, dataDir);
    return { bareNodeMs: round(bare), npmStartMs: round(kyro), targetMs: 30_000 };
  } finally {
    rmSync(clone, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function coldStart() {
  const bareRuns: number[] = [];
  const kyroRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    bareRuns.push(await bareStart());

    const dataDir = mkdtempSync(join(tmpdir(), "kyro-bench-"));
    const kyroPort = await freePort();
    const env = { ...basePath, KYRO_DATA_DIR: dataDir, PORT: String(kyroPort), LOG_LEVEL: "warn" };
    const kyro = await startProcess(
      process.execPath,
      [MAIN],
      env,
      `http://127.0.0.1:${kyroPort}/health/ready`,
    );
    kyroRuns.push(kyro.ms);
    await stop(kyro.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const bare = quantile(bareRuns, 0.5);
  const kyro = quantile(kyroRuns, 0.5);
  return {
    bareNodeMs: round(bare),
    kyroEmbeddedMs: round(kyro),
    ratio: round(kyro / bare),
    targetMs: 10_000,
  };
}

async function trpc(base: string, path: string, input: unknown, token?: string) {
  const res = await fetch(`${base}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ json: input }),
  });
  return { status: res.status, body: (await res.json()) as { result?: { data: { json: unknown } } } };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Follows the verification links the server wrote as .eml files (SMTP_URL unset). They are written
 * after the answer, hence the wait for all of them.
 */
async function verifyFromMailFiles(
  base: string,
  mailDir: string,
  count: number,
  password: string,
): Promise<void> {
  const mails = () =>
    existsSync(mailDir) ? readdirSync(mailDir).filter((name) => name.endsWith(".eml")) : [];
  const deadline = Date.now() + 30_000;
  while (mails().length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} verification mails in ${mailDir}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const file of mails()) {
    const token = /verify-email\?token=(\S+)/.exec(mailBody(readFileSync(join(mailDir, file), "utf8")))?.[1];
    const res = await trpc(base, "auth.verifyEmail", { token: decodeURIComponent(token ?? ""), password });
    if (res.status !== 200) throw new Error(`verification failed: ${JSON.stringify(res.body)}`);
  }
}

async function loginLatency() {
  const dataDir = mkdtempSync(join(tmpdir(), "kyro-bench-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...basePath, KYRO_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "warn" };
  const { child } = await startProcess(process.execPath, [MAIN], env, `${base}/health/ready`);
  try {
    const password = "bench-passphrase-not-common-42";
    const accounts = Array.from({ length: 8 }, (_, i) => `bench-${i}@example.test`);
    for (const email of accounts) {
      const res = await trpc(base, "auth.signup", { email, password, name: "Bench" });
      if (res.status !== 200) throw new Error(`signup failed: ${JSON.stringify(res.body)}`);
    }
    await verifyFromMailFiles(base, join(dataDir, "mail"), accounts.length, password);
    for (let i = 0; i < 5; i++) await trpc(base, "auth.login", { email: accounts[0], password });

    const login: number[] = [];
    for (let i = 0; i < 60; i++) {
      login.push(
        await timed(() => trpc(base, "auth.login", { email: accounts[i % accounts.length], password })),
      );
    }
    // 5 failures per account stays under the per-account throttle; 80 in all under the per-IP one.
    const wrongPassword: number[] = [];
    const wrongEmail: number[] = [];
    for (let i = 0; i < 40; i++) {
      wrongPassword.push(
        await timed(() =>
          trpc(base, "auth.login", { email: accounts[i % 8], password: "wrong-passphrase-123" }),
        ),
      );
      wrongEmail.push(
        await timed(() => trpc(base, "auth.login", { email: `nobody-${i}@example.test`, password })),
      );
    }

    const hash = await hashPassword(password);
    const argon: number[] = [];
    for (let i = 0; i < 5; i++) await verifyPassword(hash, password);
    for (let i = 0; i < 60; i++) argon.push(await timed(() => verifyPassword(hash, password)));

    const loginP50 = quantile(login, 0.5);
    const argonP50 = quantile(argon, 0.5);
    return {
      loginP50Ms: round(loginP50),
      loginP99Ms: round(quantile(login, 0.99)),
      argon2VerifyP50Ms: round(argonP50),
      loginOverArgon2: round(loginP50 / argonP50),
      wrongPasswordP50Ms: round(quantile(wrongPassword, 0.5)),
      wrongEmailP50Ms: round(quantile(wrongEmail, 0.5)),
      wrongEmailOverWrongPassword: round(quantile(wrongEmail, 0.5) / quantile(wrongPassword, 0.5)),
    };
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function startupBench() {
  return {
    coldStart: await coldStart(),
    restart: await restart(),
    firstStart: await firstStart(),
    login: await loginLatency(),
  };
}
