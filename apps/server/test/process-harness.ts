import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { Agent, createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The ways the README documents to start Kyro. */
export type StartScript = "start" | "start:api" | "start:worker" | "dev";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface RunningScript {
  /** npm, the top process; its pid is also the process group's id (spawned detached). */
  child: ChildProcess;
  logs(): LogLine[];
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line matching; throws if the process exits first. */
  waitForLog(what: string, matches: (line: LogLine) => boolean): Promise<LogLine>;
}

/** Polls `check` until it holds; a timeout only ends a wait that would otherwise hang the run. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** npm's CLI script, found as the shell finds `npm` (its link resolved to the script itself). */
function npmCli(): string {
  const found = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("npm is not on the PATH");
  return realpathSync(found);
}

/**
 * `npm start` / `npm run <script>` exactly as an operator types it, in a process group of its own (as
 * systemd and a terminal put it), with only the variables given: nothing leaks in from the test run.
 */
export function runNpmScript(script: StartScript, env: Record<string, string>): RunningScript {
  const args = script === "start" ? ["start"] : ["run", script];
  // npm's own script, run by this Node: under another Node version (CI runs the suite on 20, 22 and
  // 24) the PATH below holds only that version's `node`, which npm then uses for the script.
  const child = spawn(process.execPath, [npmCli(), ...args], {
    cwd: ROOT,
    detached: true,
    env: {
      // This Node first, then the system folders npm needs for `sh`.
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      npm_config_update_notifier: "false",
      npm_config_logs_max: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // npm prints its own banner ("> start") around the server's JSON lines.
  const logs = () =>
    output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  return {
    child,
    logs,
    output: () => output,
    exited,
    async waitForLog(what, matches) {
      let found: LogLine | undefined;
      await until(what, () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`exited while waiting for ${what}:\n${output}`);
        }
        found = logs().find(matches);
        return found !== undefined;
      });
      return found as LogLine;
    },
  };
}

/** The group's processes that are still running (not yet exited), as `ps` shows them. */
function runningMembers(pgid: number): string[] {
  const listed = spawnSync("ps", ["-o", "pid=,stat=,args=", "-g", String(pgid)], { encoding: "utf8" });
  return listed.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !/^\d+\s+Z/.test(line));
}

/**
 * What is left running of the process group once its top process has exited: nothing, normally. A
 * helper process may take a moment to notice its parent is gone (tsx's esbuild service, started on a
 * cold transform cache, exits when its stdin closes), so the group gets a few seconds; a server left
 * behind keeps running and is returned.
 */
export async function survivorsOf(pgid: number): Promise<string[]> {
  await until("the process group to end", () => runningMembers(pgid).length === 0, 10_000).catch(
    () => undefined,
  );
  return runningMembers(pgid);
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Where a run keeps its data, shared by the runs of one chain (an API process, then a worker on the
 * same data). Postgres: a new empty database the first process migrates. Embedded: a PGlite data dir.
 */
export async function freshDatabaseEnv(
  databaseUrl: string,
  cleanups: (() => Promise<void> | void)[],
): Promise<Record<string, string>> {
  // A data dir of its own either way: the embedded database lives there, and so do the dev mailer's files.
  const dataDir = mkdtempSync(join(tmpdir(), "kyro-signals-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  if (!databaseUrl) return { KYRO_DATA_DIR: dataDir };
  const name = `kyro_signals_${randomBytes(6).toString("hex")}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`).finally(() => admin.end());
  cleanups.push(async () => {
    const dropper = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await dropper.unsafe(`drop database if exists "${name}" with (force)`).finally(() => dropper.end());
  });
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return { KYRO_DATA_DIR: dataDir, DATABASE_URL: url.toString() };
}

export interface CompletedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The whole body arrived (not cut short by a reset or a close). */
  complete: boolean;
  /** The request went out on a connection that had already carried one (keep-alive). */
  reusedSocket: boolean;
}

export interface HeldRequest {
  /** Sends the body: only then can the server answer. */
  finish(): void;
  response: Promise<CompletedResponse>;
  close(): void;
}

function collect(req: ReturnType<typeof request>): Promise<CompletedResponse> {
  return new Promise((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("error", reject);
      res.once("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          complete: res.complete,
          reusedSocket: req.reusedSocket,
        }),
      );
    });
  });
}

/**
 * A request the server has received and is handling but cannot answer yet: a slow client. Its
 * connection first carries a whole request (so it is a kept-alive connection); then it sends a POST's
 * headers with `Expect: 100-continue` and waits for the server's `100 Continue` — the proof that the
 * request reached a handler, which now waits for the body until `finish()`.
 */
export async function holdRequest(base: string, path: string, body: string): Promise<HeldRequest> {
  const { hostname, port } = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const warmUp = request({ host: hostname, port, agent, path: "/health" });
  warmUp.end();
  const first = await collect(warmUp);
  if (first.status !== 200 || first.headers.connection === "close") {
    throw new Error(`warm-up request: ${first.status} ${JSON.stringify(first.headers)}`);
  }
  const held = request({
    host: hostname,
    port,
    agent,
    method: "POST",
    path,
    headers: {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      expect: "100-continue",
    },
  });
  const response = collect(held);
  // An early failure is reported through `response`; this only keeps it from going unhandled meanwhile.
  response.catch(() => undefined);
  held.flushHeaders();
  const continued = once(held, "continue").then(() => true);
  const answered = response.then(
    () => false,
    () => false,
  );
  if (!(await Promise.race([continued, answered]))) {
    throw new Error(`${path} was answered before its body was sent: it cannot be held in flight`);
  }
  return { finish: () => held.end(body), response, close: () => agent.destroy() };
}

/** A webhook receiver that takes each delivery and answers only once released: a job in progress. */
export interface HoldingSink {
  url: string;
  /** How many deliveries arrived (answered or not). */
  received(): number;
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingSink(): Promise<HoldingSink> {
  let count = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = createServer((req, res) => {
    count += 1;
    req.resume();
    req.once("end", () => {
      void released.then(() => res.end("ok"));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received: () => count,
    release,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
