/**
 * Issue #3 targets: key-authenticated `GET /api/v1/me` and an authenticated tRPC query under
 * concurrency, each next to the bare node:http baseline doing the identical key check and query in the
 * same process and database (bench/api-target.ts). Targets: Kyro ≥ 0.8× the baseline's throughput;
 * cache-hit key verification p99 ≤ 0.5 ms.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import autocannon from "autocannon";

interface Target {
  kyroUrl: string;
  bareUrl: string;
  apiKey: string;
  accessToken: string;
  orgId: string;
  verification: { p50Ms: number; p99Ms: number };
  database: string;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** CPU time (user + system, ms) the process has used: unlike wall time, CPU steal does not inflate it. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

let targetPid = 0;

async function load(url: string, token: string, seconds: number) {
  const cpuBefore = cpuMs(targetPid);
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
    requestsPerSecond: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    serverCpuMsPerRequest: (cpuMs(targetPid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * These VMs show heavy CPU steal, so one long run per side swings by a third. Instead the two sides
 * alternate in short rounds and the figures are medians over the rounds.
 */
async function compare(kyroUrl: string, bareUrl: string, token: string, rounds = 5) {
  await load(kyroUrl, token, 2);
  await load(bareUrl, token, 2);
  const kyro: Awaited<ReturnType<typeof load>>[] = [];
  const bare: Awaited<ReturnType<typeof load>>[] = [];
  for (let i = 0; i < rounds; i++) {
    kyro.push(await load(kyroUrl, token, 4));
    bare.push(await load(bareUrl, token, 4));
  }
  const summary = (runs: typeof kyro) => ({
    requestsPerSecond: round(median(runs.map((run) => run.requestsPerSecond))),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    serverCpuMsPerRequest: Math.round(median(runs.map((run) => run.serverCpuMsPerRequest)) * 1000) / 1000,
  });
  return {
    kyro: summary(kyro),
    bare: summary(bare),
    throughputRatio: round(
      median(kyro.map((run, i) => run.requestsPerSecond / (bare[i]?.requestsPerSecond ?? 1))),
    ),
    /** Bare CPU per request over Kyro's: the throughput ratio a steal-free CPU-bound server would reach. */
    cpuEfficiencyRatio: round(
      median(bare.map((run, i) => run.serverCpuMsPerRequest / (kyro[i]?.serverCpuMsPerRequest ?? 1))),
    ),
    rounds,
  };
}

export async function apiBench(repoRoot: string, env: NodeJS.ProcessEnv) {
  // Node itself (not the tsx wrapper, which forks) so the pid is the server's, for its CPU time.
  const child = spawn(process.execPath, ["--import", "tsx", `${repoRoot}bench/api-target.ts`], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  targetPid = child.pid ?? 0;
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`bench target exited with ${code}`)));
    });
    const target = JSON.parse(line) as Target;
    const input = encodeURIComponent(JSON.stringify({ json: { orgId: target.orgId } }));
    const restMe = await compare(`${target.kyroUrl}/api/v1/me`, `${target.bareUrl}/me`, target.apiKey);
    const trpcQuery = await compare(
      `${target.kyroUrl}/trpc/orgs.get?input=${input}`,
      `${target.bareUrl}/orgs.get`,
      target.accessToken,
    );
    return {
      database: target.database,
      restMeWithApiKey: restMe,
      trpcOrgsGetWithAccessToken: trpcQuery,
      keyVerificationCacheHit: {
        p50Ms: round(target.verification.p50Ms * 1000) / 1000,
        p99Ms: round(target.verification.p99Ms * 1000) / 1000,
      },
      targets: { throughputRatio: 0.8, keyVerificationP99Ms: 0.5 },
    };
  } finally {
    child.kill("SIGTERM");
  }
}
