import { randomBytes } from "node:crypto";
import { openDatabase, webhookMessages } from "@kyro/db";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  type CompletedResponse,
  freePort,
  freshDatabaseEnv,
  type HoldingSink,
  holdRequest,
  type RunningScript,
  runNpmScript,
  type StartScript,
  startHoldingSink,
  survivorsOf,
  until,
} from "./process-harness";
import { signUpThroughMailFile, trpcMutation } from "./signup-over-http";

/**
 * Every documented way of starting Kyro, stopped the ways operators stop it: a signal to the npm
 * process, or to the whole process group (systemd's default KillMode, Ctrl-C in a terminal), which
 * reaches the server twice — directly and relayed by npm. Each stop must drain what is in flight,
 * answer keep-alive clients with `Connection: close`, leave no process behind and exit 0.
 */

const IN_FLIGHT = 50;
const LOAD_LOOPS = 4;
const LOAD_BEFORE_SIGNAL = 40;
const CHAIN_TIMEOUT_MS = 300_000;
// An unauthenticated REST call reads its whole body before it answers 401: the server cannot finish it
// until the client sends that body.
const HELD_PATH = "/api/v1/bots";
const HELD_BODY = JSON.stringify({ orgId: "00000000-0000-7000-8000-000000000000", name: "Held" });

type Target = "npm" | "group";

const cleanups: (() => Promise<void> | void)[] = [];
const runs: RunningScript[] = [];
afterAll(async () => {
  // Only after a failure is anything of a group left to end.
  for (const run of runs) {
    const pgid = run.child.pid;
    if (pgid !== undefined && (await survivorsOf(pgid)).length > 0) process.kill(-pgid, "SIGKILL");
  }
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function chainEnv(): Promise<Record<string, string>> {
  return {
    ...(await freshDatabaseEnv(inject("databaseUrl"), cleanups)),
    KYRO_SECRET: randomBytes(32).toString("hex"),
    PORT: String(await freePort()),
    KYRO_OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8",
    // The held requests and the load come from one address: no per-IP limit may answer them instead.
    KYRO_LIMITS_ENABLED: "false",
  };
}

async function start(script: StartScript, env: Record<string, string>): Promise<RunningScript> {
  const run = runNpmScript(script, env);
  runs.push(run);
  if (script === "start:worker") {
    await run.waitForLog("the worker to start", (line) => line.msg === "job worker started");
  } else {
    await run.waitForLog("the server to listen", (line) => line.msg.startsWith("Kyro listening on"));
  }
  return run;
}

/**
 * An org with a webhook endpoint at `sink`, then a change that makes one delivery job. When a request
 * fails, the error carries what the server printed: a connection reset says nothing on its own.
 */
async function queueDelivery(
  run: RunningScript,
  base: string,
  env: Record<string, string>,
  sink: HoldingSink,
) {
  try {
    const email = `signals-${randomBytes(4).toString("hex")}@example.test`;
    const accessToken = await signUpThroughMailFile(base, env.KYRO_DATA_DIR as string, email);
    const { org } = await trpcMutation<{ org: { id: string } }>(
      base,
      "orgs.create",
      { name: "Signals" },
      accessToken,
    );
    await trpcMutation(
      base,
      "webhooks.endpoints.create",
      { orgId: org.id, url: sink.url, eventTypes: ["org.updated"] },
      accessToken,
    );
    await trpcMutation(base, "orgs.update", { orgId: org.id, name: "Signals renamed" }, accessToken);
  } catch (error) {
    throw new Error(`queueing a delivery failed; the process printed:\n${run.output()}`, { cause: error });
  }
}

async function deliveriesIn(env: Record<string, string>) {
  const handle = await openDatabase(
    env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL }
      : { kind: "pglite", dataDir: env.KYRO_DATA_DIR as string },
  );
  try {
    return await handle.db
      .select({ status: webhookMessages.status, attempts: webhookMessages.attempts })
      .from(webhookMessages);
  } finally {
    await handle.close();
  }
}

/** Requests completed by clients hammering the server until it stops accepting. */
function startLoad(base: string) {
  let completed = 0;
  let stopped = false;
  const loops = Array.from({ length: LOAD_LOOPS }, async () => {
    while (!stopped) {
      try {
        const response = await fetch(`${base}/health/ready`);
        await response.arrayBuffer();
        completed += 1;
      } catch {
        return; // the listener is closed: this client is done
      }
    }
  });
  return {
    completed: () => completed,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function signal(run: RunningScript, target: Target, name: NodeJS.Signals): void {
  const pid = run.child.pid as number;
  process.kill(target === "group" ? -pid : pid, name);
}

type Outcome = Pick<CompletedResponse, "status" | "complete" | "reusedSocket"> & {
  connection?: string;
  code?: string;
};

const outcomeOf = (response: CompletedResponse): Outcome => ({
  status: response.status,
  complete: response.complete,
  reusedSocket: response.reusedSocket,
  connection: response.headers.connection,
  code: (JSON.parse(response.body) as { error?: { code?: string } }).error?.code,
});

const DRAINED: Outcome = {
  status: 401,
  complete: true,
  reusedSocket: true,
  connection: "close",
  code: "UNAUTHORIZED",
};

/**
 * Stops `run` with `name` sent to `target` while it is busy: IN_FLIGHT requests held open on kept-alive
 * connections (when it serves HTTP), load, and whatever job is running. The signal is sent again once the
 * drain has started; only then are the held requests (and `whileDraining`) let go. Returns what each held
 * request got — or the error that ended it.
 */
async function stopWhileBusy(
  run: RunningScript,
  options: {
    base?: string;
    target: Target;
    signal: NodeJS.Signals;
    whileDraining?: () => void;
  },
): Promise<(Outcome | { error: string })[]> {
  const { base, target } = options;
  const held = base
    ? await Promise.all(Array.from({ length: IN_FLIGHT }, () => holdRequest(base, HELD_PATH, HELD_BODY)))
    : [];
  const load = base ? startLoad(base) : null;
  if (load) await until("the load to get going", () => load.completed() >= LOAD_BEFORE_SIGNAL);

  signal(run, target, options.signal);
  await run.waitForLog("the drain to start", (line) => line.msg.startsWith("shutting down"));
  signal(run, target, options.signal);
  await run.waitForLog("the repeated signal to be noted", (line) =>
    line.msg.startsWith("already shutting down"),
  );
  await load?.stop();
  options.whileDraining?.();
  for (const request of held) request.finish();
  const outcomes = await Promise.all(
    held.map((request) =>
      request.response.then(outcomeOf, (error: NodeJS.ErrnoException) => ({
        error: error.code ?? error.message,
      })),
    ),
  );
  for (const request of held) request.close();
  return outcomes;
}

async function expectCleanExit(run: RunningScript): Promise<void> {
  expect(await run.exited, run.output()).toEqual({ code: 0, signal: null });
  expect(await survivorsOf(run.child.pid as number)).toEqual([]);
  expect(run.logs().filter((line) => line.level >= 50)).toEqual([]);
  expect(run.logs().some((line) => line.msg === "stopped")).toBe(true);
}

/** An API process stopped under load with a delivery queued, then a worker stopped while delivering it. */
async function apiThenWorker(api: [Target, NodeJS.Signals], worker: [Target, NodeJS.Signals]) {
  const env = await chainEnv();
  const base = `http://127.0.0.1:${env.PORT}`;
  const sink = await startHoldingSink();
  cleanups.push(() => sink.close());

  const apiRun = await start("start:api", env);
  await queueDelivery(apiRun, base, env, sink);
  const drained = await stopWhileBusy(apiRun, { base, target: api[0], signal: api[1] });
  expect(drained).toEqual(Array.from({ length: IN_FLIGHT }, () => DRAINED));
  await expectCleanExit(apiRun);
  // The API process only queues jobs.
  expect(sink.received()).toBe(0);

  const workerRun = await start("start:worker", env);
  await waitForDelivery(workerRun, sink);
  await stopWhileBusy(workerRun, {
    target: worker[0],
    signal: worker[1],
    whileDraining: sink.release,
  });
  await expectCleanExit(workerRun);
  expect(await deliveriesIn(env)).toEqual([{ status: "succeeded", attempts: 1 }]);
  expect(sink.received()).toBe(1);
}

async function waitForDelivery(run: RunningScript, sink: HoldingSink): Promise<void> {
  await until("the delivery job to reach the sink", () => {
    if (run.child.exitCode !== null) throw new Error(`exited early:\n${run.output()}`);
    return sink.received() === 1;
  });
}

/** `npm start` (API and worker in one process) stopped with requests in flight and a delivery running. */
async function allInOne(script: "start" | "dev", target: Target, name: NodeJS.Signals) {
  const env = await chainEnv();
  const base = `http://127.0.0.1:${env.PORT}`;
  const sink = await startHoldingSink();
  cleanups.push(() => sink.close());

  const run = await start(script, env);
  await queueDelivery(run, base, env, sink);
  await waitForDelivery(run, sink);
  const drained = await stopWhileBusy(run, {
    base,
    target,
    signal: name,
    whileDraining: sink.release,
  });
  expect(drained).toEqual(Array.from({ length: IN_FLIGHT }, () => DRAINED));
  await expectCleanExit(run);
  expect(await deliveriesIn(env)).toEqual([{ status: "succeeded", attempts: 1 }]);
}

describe.concurrent("stopping every documented start command drains and exits 0", () => {
  it(
    "npm run start:api (SIGTERM to npm), then npm run start:worker (SIGINT to the group)",
    () => apiThenWorker(["npm", "SIGTERM"], ["group", "SIGINT"]),
    CHAIN_TIMEOUT_MS,
  );
  it(
    "npm run start:api (SIGINT to the group), then npm run start:worker (SIGTERM to npm)",
    () => apiThenWorker(["group", "SIGINT"], ["npm", "SIGTERM"]),
    CHAIN_TIMEOUT_MS,
  );
  it(
    "npm start, SIGINT to npm (requests and a delivery in flight)",
    () => allInOne("start", "npm", "SIGINT"),
    CHAIN_TIMEOUT_MS,
  );
  it(
    "npm start, SIGTERM to the group as systemd sends it (requests and a delivery in flight)",
    () => allInOne("start", "group", "SIGTERM"),
    CHAIN_TIMEOUT_MS,
  );
  it(
    "npm run dev (node --watch), Ctrl-C in its terminal (SIGINT to the group)",
    () => allInOne("dev", "group", "SIGINT"),
    CHAIN_TIMEOUT_MS,
  );
});
