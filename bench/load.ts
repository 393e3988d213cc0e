/**
 * What the HTTP benchmarks share: a target process started next to the driver, CPU time read from
 * /proc, a keyed GET load, and alternating rounds summarised by medians.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import autocannon from "autocannon";

export const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** CPU time (user + system, ms) the process has used: unlike wall time, CPU steal does not inflate it. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Starts a bench target with Node itself so the pid is the server's, for its CPU time, and resolves
 * with the JSON line it prints once ready. The target file runs under the tsx loader, but what it
 * imports from `@kyro/*` resolves to the packages' compiled `dist/` (`npm run bench` builds first).
 * With `KYRO_BENCH_CPU_PROF_DIR` set, the target writes a V8 CPU profile there when it exits.
 */
export async function startTarget<Report>(
  repoRoot: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; pid: number; report: Report }> {
  const child = spawn(
    process.execPath,
    [
      ...(env.KYRO_BENCH_CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${env.KYRO_BENCH_CPU_PROF_DIR}`] : []),
      "--import",
      "tsx",
      ...args.map((arg, i) => (i === 0 ? `${repoRoot}${arg}` : arg)),
    ],
    {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      if (!child.stdout) throw new Error("bench target has no stdout");
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`bench target ${args[0]} exited with ${code}`)));
    });
    return { child, pid: child.pid ?? 0, report: JSON.parse(line) as Report };
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  }
}

export interface LoadRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuMsPerRequest: number;
}

/** GET `url` with a bearer token from 32 connections; any non-2xx answer fails the bench. */
export async function loadGet(url: string, token: string, seconds: number, pid: number): Promise<LoadRun> {
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({
    url,
    connections: 32,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx and ${result.errors} errors`);
  }
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    serverCpuMsPerRequest: (cpuMs(pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

export function summarize(runs: LoadRun[]): LoadRun {
  return {
    requestsPerSecond: round(median(runs.map((run) => run.requestsPerSecond))),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    serverCpuMsPerRequest: round(median(runs.map((run) => run.serverCpuMsPerRequest)), 3),
  };
}

/**
 * These VMs show heavy CPU steal, so one long run per side swings by a third. Instead the two sides
 * alternate in short rounds (after a warm-up of each) and the figures are medians over the rounds.
 */
export async function compareAlternating(
  measured: (seconds: number) => Promise<LoadRun>,
  baseline: (seconds: number) => Promise<LoadRun>,
  rounds = 5,
) {
  await measured(2);
  await baseline(2);
  const ours: LoadRun[] = [];
  const theirs: LoadRun[] = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(await measured(4));
    theirs.push(await baseline(4));
  }
  return {
    measured: summarize(ours),
    baseline: summarize(theirs),
    throughputRatio: round(
      median(ours.map((run, i) => run.requestsPerSecond / (theirs[i]?.requestsPerSecond ?? 1))),
    ),
    /** Baseline CPU per request over ours: the throughput ratio a steal-free CPU-bound server would reach. */
    cpuEfficiencyRatio: round(
      median(theirs.map((run, i) => run.serverCpuMsPerRequest / (ours[i]?.serverCpuMsPerRequest ?? 1))),
    ),
    rounds,
  };
}
