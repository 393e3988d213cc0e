/**
 * Issue #6 target: a widget message round trip over HTTP on the real server — store the visitor's
 * message, search 10,000 knowledge entries, store the reply — at concurrency 20. Target: p99 ≤ 50 ms.
 * Runs on Postgres + Redis when DATABASE_URL and REDIS_URL are set (bench/widget-target.ts).
 */
import autocannon from "autocannon";
import { compareAlternating, cpuMs, type LoadRun, startTarget } from "./load";
import { visitorMessages } from "./widget-data";

interface Target {
  url: string;
  bareUrl: string;
  origin: string;
  sessions: { token: string; conversationId: string }[];
  entries: number;
  database: string;
}

const CONCURRENCY = 20;
async function load(url: string, target: Target, pid: number, seconds: number): Promise<LoadRun> {
  const texts = visitorMessages();
  let counter = 0;
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({
    url,
    connections: CONCURRENCY,
    duration: seconds,
    requests: [
      {
        method: "POST",
        setupRequest(request) {
          const n = counter++;
          const session = target.sessions[n % target.sessions.length];
          if (!session) throw new Error("no sessions");
          return {
            ...request,
            path: `/api/v1/widget/sessions/${session.conversationId}/messages`,
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${session.token}`,
              origin: target.origin,
            },
            body: JSON.stringify({ content: texts[n % texts.length] }),
          };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`widget bench: ${result.non2xx} non-2xx and ${result.errors} errors`);
  }
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    serverCpuMsPerRequest: (cpuMs(pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

export async function widgetBench(repoRoot: string, env: NodeJS.ProcessEnv) {
  const { child, pid, report: target } = await startTarget<Target>(repoRoot, ["bench/widget-target.ts"], env);
  try {
    const { measured, baseline, ...ratios } = await compareAlternating(
      (seconds) => load(target.url, target, pid, seconds),
      (seconds) => load(target.bareUrl, target, pid, seconds),
    );
    return {
      database: target.database,
      knowledgeEntries: target.entries,
      concurrency: CONCURRENCY,
      messageRoundTrip: measured,
      bareRoundTrip: baseline,
      ...ratios,
      targets: { p99Ms: 50 },
    };
  } finally {
    child.kill("SIGTERM");
  }
}
