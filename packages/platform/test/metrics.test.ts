import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createHttpMetrics, HTTP_DURATION_BUCKETS } from "../src/metrics";

const observations: [string, string, number, number][] = [
  ["/api/v1/me", "GET", 200, 0.0012],
  ["/api/v1/me", "GET", 200, 0.005],
  ["/api/v1/me", "GET", 200, 0.0051],
  ["/api/v1/me", "GET", 401, 0.3],
  ["/trpc/orgs.get", "GET", 200, 7.5],
  ['/odd "route"\\with\nnewline', "OTHER", 404, 0.02],
  ["/api/v1/me", "GET", 200, 1],
];

/** The same metrics as prom-client's own classes keep them. */
function reference() {
  const registry = new Registry();
  const labelNames = ["route", "method", "status"] as const;
  const requests = new Counter({
    name: "kyro_http_requests_total",
    help: "HTTP requests by route, method and status",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "kyro_http_request_duration_seconds",
    help: "HTTP request duration by route, method and status",
    labelNames,
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [registry],
  });
  for (const [route, method, status, seconds] of observations) {
    requests.inc({ route, method, status: String(status) });
    duration.observe({ route, method, status: String(status) }, seconds);
  }
  return registry;
}

describe("HTTP metrics", () => {
  it("expose the text prom-client's Counter and Histogram expose for the same requests", async () => {
    const ours = createHttpMetrics();
    for (const observation of observations) ours.observe(...observation);
    const theirs = reference();
    for (const name of ["kyro_http_requests_total", "kyro_http_request_duration_seconds"]) {
      expect(await ours.registry.getSingleMetricAsString(name)).toBe(
        await theirs.getSingleMetricAsString(name),
      );
    }
  });

  it("keep the process metrics beside them", async () => {
    const text = await createHttpMetrics().registry.metrics();
    expect(text).toContain("# TYPE kyro_process_cpu_user_seconds_total counter");
    expect(text).toContain("# TYPE kyro_http_request_duration_seconds histogram");
  });
});
