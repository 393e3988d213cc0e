/** Latency figures of in-process benches: tasks run from a fixed number of loops, summarised by percentiles. */
import { round } from "./load";

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);
}

/** Runs `task` `total` times from `loops` concurrent loops; the latency of each run in ms. */
export async function concurrently(
  loops: number,
  total: number,
  task: (n: number) => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (next < total) {
        const n = next++;
        const started = performance.now();
        await task(n);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

export const summary = (latencies: number[]) => ({
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
});
