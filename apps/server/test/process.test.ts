import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** The compiled server, as production runs it (the suite's global setup builds it when stale). */
const MAIN = "apps/server/dist/main.js";
const START_TIMEOUT_MS = 90_000;

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The process with only the variables given: no DATABASE_URL/REDIS_URL leak in from the test run. */
function startProcess(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: dirname(process.execPath), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitUntilReady(base: string, started: Started): Promise<Response> {
  let exitedEarly = false;
  void started.exited.then(() => {
    exitedEarly = true;
  });
  for (;;) {
    if (exitedEarly) throw new Error(`server exited early:\n${started.stdout()}\n${started.stderr()}`);
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.status === 200) return res;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function logLines(stdout: string): { level: number; msg: string; [field: string]: unknown }[] {
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

const dataDirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe("the server process (apps/server/dist/main.js)", () => {
  it(
    "starts embedded with no environment, serves, and exits 0 on SIGTERM; a restart reuses the data dir",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "kyro-process-"));
      dataDirs.push(dataDir);
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;

      const first = startProcess({ KYRO_DATA_DIR: dataDir, PORT: String(port) });
      children.push(first.child);
      const ready = await waitUntilReady(base, first);
      expect(await ready.json()).toEqual({ status: "ok", checks: { database: "ok" } });
      const me = await fetch(`${base}/trpc/auth.me?input=${encodeURIComponent('{"json":{}}')}`);
      expect(me.status).toBe(401);

      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      const firstLogs = logLines(first.stdout());
      expect(firstLogs.find((line) => line.msg.startsWith("Kyro listening on"))).toMatchObject({ url: base });
      expect(firstLogs.find((line) => line.msg.includes("generated a development secret"))).toMatchObject({
        level: 40,
        file: join(dataDir, "secret"),
      });
      expect(firstLogs.some((line) => line.msg === "stopped")).toBe(true);
      const secretFile = join(dataDir, "secret");
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      const secret = readFileSync(secretFile, "utf8");
      expect(first.stdout()).not.toContain(secret.trim());

      const second = startProcess({ KYRO_DATA_DIR: dataDir, PORT: String(port) });
      children.push(second.child);
      await waitUntilReady(base, second);
      second.child.kill("SIGINT");
      expect(await second.exited).toBe(0);
      expect(
        logLines(second.stdout()).some((line) => line.msg.includes("using the development secret")),
      ).toBe(true);
      expect(readFileSync(secretFile, "utf8")).toBe(secret);
    },
    START_TIMEOUT_MS * 2,
  );

  it("prints one line and exits 1 on a bad configuration", async () => {
    const started = startProcess({ PORT: "not-a-port", KYRO_DATA_DIR: join(tmpdir(), "kyro-never-created") });
    children.push(started.child);
    expect(await started.exited).toBe(1);
    expect(started.stderr()).toBe("Invalid configuration: PORT must be an integer between 0 and 65535\n");
    expect(started.stdout()).toBe("");
  });

  it("refuses to start in production without KYRO_SECRET and DATABASE_URL", async () => {
    const started = startProcess({ NODE_ENV: "production" });
    children.push(started.child);
    expect(await started.exited).toBe(1);
    const lines = started.stderr().trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: KYRO_SECRET is required.*DATABASE_URL is required/);
  });
});
