import { describe, expect, it } from "vitest";
import { createHttpMetrics } from "../src/metrics";

const observations: [string, string, number, number][] = [
  ["/api/v1/me", "GET", 200, 0.0012],
  ["/api/v1/me", "GET", 200, 0.005],
  ["/api/v1/me", "GET", 200, 0.0051],
  ["/api/v1/me", "GET", 401, 0.3],
  ['/odd "route"\\with\nnewline', "OTHER", 404, 0.02],
];

describe("HTTP metrics", () => {
  it("count requests and bucket their durations by route, method and status", async () => {
    const metrics = createHttpMetrics();
    for (const observation of observations) metrics.observe(...observation);
    const requests = await metrics.registry.getSingleMetricAsString("kyro_http_requests_total");
    expect(requests).toContain('kyro_http_requests_total{route="/api/v1/me",method="GET",status="200"} 3');
    expect(requests).toContain('kyro_http_requests_total{route="/api/v1/me",method="GET",status="401"} 1');
    // Label values are escaped, so an odd route cannot break the exposition format.
    expect(requests).toContain('route="/odd \\"route\\"\\\\with\\nnewline",method="OTHER",status="404"} 1');
    const duration = await metrics.registry.getSingleMetricAsString("kyro_http_request_duration_seconds");
    const me200 = 'route="/api/v1/me",method="GET",status="200"';
    expect(duration).toContain(`kyro_http_request_duration_seconds_bucket{le="0.005",${me200}} 2`);
    expect(duration).toContain(`kyro_http_request_duration_seconds_bucket{le="0.01",${me200}} 3`);
    expect(duration).toContain(`kyro_http_request_duration_seconds_bucket{le="+Inf",${me200}} 3`);
    expect(duration).toContain(`kyro_http_request_duration_seconds_count{${me200}} 3`);
    expect(duration).toMatch(new RegExp(`kyro_http_request_duration_seconds_sum\\{${me200}\\} 0\\.0113`));
  });

  it("keep the process metrics beside them", async () => {
    const text = await createHttpMetrics().registry.metrics();
    expect(text).toContain("# TYPE kyro_process_cpu_user_seconds_total counter");
    expect(text).toContain("# TYPE kyro_http_request_duration_seconds histogram");
  });
});
