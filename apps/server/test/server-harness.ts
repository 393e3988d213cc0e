import type { Settings } from "@kyro/api";
import { createTestApp, type TestApp, type TestWorkerOptions } from "@kyro/api/testing";
import { createLogger } from "@kyro/platform";
import { createHttpServer, type HttpServer } from "../src/http/server";
import { checkResponsesOf } from "./response-contract-hook";

export interface AccessLogLine {
  msg: string;
  level?: number;
  requestId?: string;
  method?: string;
  route?: string;
  status?: number;
  durationMs?: number;
  userId?: string;
  orgId?: string;
}

/** The test servers serve /metrics to this bearer token (KYRO_METRICS_TOKEN). */
export const TEST_METRICS_TOKEN = "test-metrics-token-0123456789abcdef";

export interface TestServer {
  app: TestApp;
  http: HttpServer;
  url: string;
  /** Every line the server logged, parsed. */
  logs: AccessLogLine[];
  close(): Promise<void>;
}

/** The real HTTP server on 127.0.0.1 and a free port, over the harness's deps and database. */
export async function startTestServer(
  options: {
    corsOrigins?: string[];
    trustedProxies?: string[];
    /** Default TEST_METRICS_TOKEN; undefined leaves /metrics unserved, as with KYRO_METRICS_TOKEN unset. */
    metricsToken?: string;
    settings?: Partial<Settings>;
    /** Also run the job worker in this process (see createTestApp). */
    worker?: boolean | TestWorkerOptions;
    secureCookies?: boolean;
    /** The console build to serve; default none (tests that need one give a folder). */
    consoleDir?: string | null;
  } = {},
): Promise<TestServer> {
  const app = await createTestApp({ settings: options.settings, worker: options.worker });
  const logs: AccessLogLine[] = [];
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => logs.push(JSON.parse(line) as AccessLogLine) },
  });
  const redis = app.deps.redis;
  const http = createHttpServer({
    runtime: app.runtime,
    logger,
    corsOrigins: options.corsOrigins ?? [],
    trustedProxies: options.trustedProxies ?? [],
    metricsToken: "metricsToken" in options ? options.metricsToken : TEST_METRICS_TOKEN,
    secureCookies: options.secureCookies ?? false,
    consoleDir: options.consoleDir ?? null,
    readiness: {
      database: () => app.database.ping(),
      ...(redis ? { redis: () => redis.ping() } : {}),
    },
  });
  await checkResponsesOf(http.server);
  const url = await http.listen(0, "127.0.0.1");
  return {
    app,
    http,
    url,
    logs,
    async close() {
      await http.close(1_000);
      await app.close();
    },
  };
}

/** A scrape of the server's /metrics, with its token. */
export function fetchMetrics(server: TestServer): Promise<Response> {
  return fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
}

/** Waits for the access log line of a request (written when its response closes). */
export async function accessLogFor(server: TestServer, requestId: string): Promise<AccessLogLine> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const line = server.logs.find((entry) => entry.msg === "request" && entry.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no access log line for ${requestId}`);
}
