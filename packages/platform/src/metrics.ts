import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  observe(route: string, method: string, status: number, seconds: number): void;
}

export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const LABEL_NAMES = ["route", "method", "status"] as const;

/**
 * Request count and duration by route, method and status, in prom-client's own Counter and Histogram.
 * The label sets are bounded: route templates × methods × statuses. (A hand-written counter saved 3–4 %
 * of a request's CPU in an A/B, below the 5 % bench/README.md asks of a replacement.)
 */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kyro_" });
  const requests = new Counter({
    name: "kyro_http_requests_total",
    help: "HTTP requests by route, method and status",
    labelNames: LABEL_NAMES,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "kyro_http_request_duration_seconds",
    help: "HTTP request duration by route, method and status",
    labelNames: LABEL_NAMES,
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [registry],
  });
  return {
    registry,
    observe(route, method, status, seconds) {
      const labels = { route, method, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}
