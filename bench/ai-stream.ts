/**
 * The streamed-answer part of the AI bench (bench/ai.ts): the server in its own process
 * (`bench/ai-stream-target.ts`), the mock provider here, waiting 50 ms before its first token.
 */
import { startFakeLlm } from "../packages/api/test/fake-llm";
import { benchQuestions } from "./ai-data";
import { concurrently, percentile, summary } from "./latency";
import { cpuMs, median, round, startTarget } from "./load";

const CONCURRENCY = 20;
const PROVIDER_TTFT_MS = 50;

interface StreamTarget {
  url: string;
  origin: string;
  sessions: { token: string; conversationId: string }[];
  chunks: number;
  database: string;
}

/** Milliseconds from sending `init` to `url` until the body holds `marker`; throws unless it ends with `end`. */
async function timeToFirst(url: string, init: RequestInit, marker: string, end: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, init);
  let first = 0;
  let body = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    body += Buffer.from(chunk).toString("utf8");
    if (!first && body.includes(marker)) first = performance.now() - started;
  }
  if (res.status !== 200 || !body.includes(end))
    throw new Error(`stream failed: ${res.status} ${body.slice(0, 200)}`);
  return first;
}

/**
 * Streamed answers at concurrency 20 against the server in its own process, alternating 200-message
 * rounds with the baseline (the same streamed chat call straight to the mock provider, which shows
 * what the provider and this driver add under the same load). Overhead is the widget's time to first
 * token minus the provider's configured 50 ms, as the issue defines it, and also minus the baseline's
 * measured time to first token.
 */
export async function streamBench(repoRoot: string, env: NodeJS.ProcessEnv) {
  const llm = await startFakeLlm({ latencyMs: PROVIDER_TTFT_MS });
  const {
    child,
    pid,
    report: target,
  } = await startTarget<StreamTarget>(repoRoot, ["bench/ai-stream-target.ts", llm.url], env);
  const questions = benchQuestions();
  const widget = (n: number) => {
    const session = target.sessions[n % target.sessions.length];
    if (!session) throw new Error("no session");
    return timeToFirst(
      `${target.url}/api/v1/widget/sessions/${session.conversationId}/messages/stream`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${session.token}`,
          origin: target.origin,
          accept: "text/event-stream",
        },
        body: JSON.stringify({ content: questions[n % questions.length] }),
      },
      "event: delta",
      "event: done",
    );
  };
  const direct = (n: number) =>
    timeToFirst(
      `${llm.url}/chat/completions`,
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
        body: JSON.stringify({
          model: "fake-chat",
          stream: true,
          messages: [{ role: "system", content: `[1] Seed\n${questions[n % questions.length]}` }],
        }),
      },
      "data:",
      "[DONE]",
    );
  const measure = async (send: (n: number) => Promise<number>, total: number) => {
    const ttfts: number[] = [];
    await concurrently(CONCURRENCY, total, async (n) => {
      ttfts.push(await send(n));
    });
    return ttfts;
  };
  try {
    await measure(widget, 100);
    await measure(direct, 100);
    const widgetTtfts: number[] = [];
    const directTtfts: number[] = [];
    const p99Differences: number[] = [];
    let serverCpuMs = 0;
    for (let i = 0; i < 5; i++) {
      const cpuBefore = cpuMs(pid);
      const ours = await measure(widget, 200);
      serverCpuMs += cpuMs(pid) - cpuBefore;
      const theirs = await measure(direct, 200);
      llm.chats.length = 0;
      widgetTtfts.push(...ours);
      directTtfts.push(...theirs);
      p99Differences.push(percentile(ours, 99) - percentile(theirs, 99));
    }
    return {
      database: target.database,
      chunks: target.chunks,
      concurrency: CONCURRENCY,
      providerTtftMs: PROVIDER_TTFT_MS,
      widgetTtft: summary(widgetTtfts),
      providerDirectTtft: summary(directTtfts),
      overhead: summary(widgetTtfts.map((ms) => ms - PROVIDER_TTFT_MS)),
      overheadOverBaselineP99Ms: round(median(p99Differences)),
      serverCpuMsPerMessage: round(serverCpuMs / widgetTtfts.length),
      targetP99Ms: 25,
    };
  } finally {
    child.kill("SIGTERM");
    await llm.close();
  }
}
