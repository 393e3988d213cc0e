import { collectDefaultMetrics, type Metric, Registry } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  observe(route: string, method: string, status: number, seconds: number): void;
}

const REQUESTS = "kyro_http_requests_total";
const DURATION = "kyro_http_request_duration_seconds";
export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One route × method × status: its request count, duration sum and per-bucket counts. */
interface Series {
  labels: { route: string; method: string; status: string };
  count: number;
  sum: number;
  /** Requests per bucket (not cumulative); one slot per upper bound. */
  buckets: number[];
}

interface Exposed {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric as the registry reads it at scrape time: what prom-client's own Counter and Histogram give. */
function exposedMetric(name: string, help: string, type: "counter" | "histogram", values: () => Exposed[]) {
  return {
    name,
    help,
    type,
    aggregator: "sum",
    get: async () => ({ name, help, type, aggregator: "sum", values: values() }),
  };
}

function histogramValues(series: Iterable<Series>): Exposed[] {
  const values: Exposed[] = [];
  for (const { labels, count, sum, buckets } of series) {
    let cumulative = 0;
    HTTP_DURATION_BUCKETS.forEach((le, index) => {
      cumulative += buckets[index] ?? 0;
      values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${DURATION}_bucket` });
    });
    values.push({ labels: { le: "+Inf", ...labels }, value: count, metricName: `${DURATION}_bucket` });
    values.push({ labels: { ...labels }, value: sum, metricName: `${DURATION}_sum` });
    values.push({ labels: { ...labels }, value: count, metricName: `${DURATION}_count` });
  }
  return values;
}

/**
 * Request count and duration by route, method and status, exposed exactly as prom-client's Counter and
 * Histogram would expose them (metrics.test.ts compares the two texts). Counted here rather than in
 * those classes: they turn the label object into a hash string and validate it on every call, twice a
 * request, which profiles showed as a few µs of every request. Here a request is one map lookup and a
 * few additions; the label sets are bounded (route templates × methods × statuses).
 */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kyro_" });
  const series = new Map<string, Series>();
  const requests = exposedMetric(REQUESTS, "HTTP requests by route, method and status", "counter", () =>
    [...series.values()].map(({ labels, count }) => ({ labels: { ...labels }, value: count })),
  );
  const duration = exposedMetric(
    DURATION,
    "HTTP request duration by route, method and status",
    "histogram",
    () => histogramValues(series.values()),
  );
  // The registry reads a metric through get() only; prom-client's types name its own classes.
  registry.registerMetric(requests as unknown as Metric);
  registry.registerMetric(duration as unknown as Metric);
  return {
    registry,
    observe(route, method, status, seconds) {
      const key = `${route} ${method} ${status}`;
      let entry = series.get(key);
      if (!entry) {
        entry = {
          labels: { route, method, status: String(status) },
          count: 0,
          sum: 0,
          buckets: HTTP_DURATION_BUCKETS.map(() => 0),
        };
        series.set(key, entry);
      }
      entry.count += 1;
      entry.sum += seconds;
      let bucket = 0;
      while (bucket < HTTP_DURATION_BUCKETS.length && seconds > (HTTP_DURATION_BUCKETS[bucket] as number))
        bucket++;
      if (bucket < entry.buckets.length) entry.buckets[bucket] = (entry.buckets[bucket] as number) + 1;
    },
  };
}
