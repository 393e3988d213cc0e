import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { AppError, appRouter, depsOf, describeError, limitOutcomeOf, type Runtime } from "@kyro/api";
import { createAccessLog, createHttpMetrics, type HttpMetrics, type Logger } from "@kyro/platform";
import { createConsoleRoutes, defaultConsoleDir } from "./console-route";
import { docsRoute } from "./docs";
import { rateLimitHeaderList, routeNotFound, sendError } from "./envelope";
import { type ReadinessChecks, sendLiveness, sendReadiness } from "./health";
import {
  carriesBearerToken,
  METRICS_PATH,
  type MetricsSource,
  metricsSource,
  metricsTokenRequired,
  sendMetrics,
} from "./metrics-route";
import { createOpenApiRoute, OPENAPI_PATH } from "./openapi-route";
import { procedureRoutes } from "./procedure-routes";
import { resolveRequestId } from "./request-id";
import { compileProxyTrust, type RequestState, requestInfo } from "./request-state";
import { parseRequestTarget, type RequestTarget } from "./request-target";
import { setServerHeaders } from "./response";
import { createRestHandler, REST_PREFIX, type RestHandler, type RestRoute } from "./rest";
import { createCors } from "./security";
import { createTrpcHandler, TRPC_PREFIX, trpcRouteLabel } from "./trpc";
import { widgetScriptRoute } from "./widget-script";

export interface HttpServerOptions {
  runtime: Runtime;
  /** Access log and server errors. */
  logger: Logger;
  /** Named checks behind /health/ready (database, redis). */
  readiness: ReadinessChecks;
  corsOrigins?: readonly string[];
  /** Proxies whose X-Forwarded-For names the client (KYRO_TRUSTED_PROXIES); none by default. */
  trustedProxies?: readonly string[];
  /**
   * Unset: /metrics is not served on this port (404). Set: it is, to requests carrying
   * `Authorization: Bearer <metricsToken>` (401 otherwise).
   */
  metricsToken?: string;
  /** Marks the console's refresh cookie `Secure` (production: the browser then sends it over HTTPS only). */
  secureCookies?: boolean;
  /** The admin console's build (apps/console/dist by default); null serves no console. */
  consoleDir?: string | null;
  /** Replaces the routes declared as `meta.rest` on the app router's procedures. */
  restRoutes?: readonly RestRoute[];
}

export interface HttpServer {
  server: Server;
  metrics: HttpMetrics;
  /** Everything a scrape reads: the HTTP metrics and the limit refusals counted by the procedures. */
  metricsSource: MetricsSource;
  /**
   * Resolves with the base URL once listening (port 0 picks a free port). Rejects, without listening,
   * when the REST routes or the OpenAPI document cannot be built from the router.
   */
  listen(port: number, host: string): Promise<string>;
  /**
   * Stops accepting connections, lets in-flight requests finish, and after `graceMs` cuts whatever
   * is still open.
   */
  close(graceMs?: number): Promise<void>;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const DEFAULT_GRACE_MS = 10_000;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { logger } = options;
  // The access log line is made only of fixed fields — ids, a route template, status — never of request
  // data, so it needs no redaction.
  const accessLog = createAccessLog(logger);
  const metrics = createHttpMetrics();
  // Limit refusals are counted by the deps (procedures run there), in their own registry.
  const scrape = metricsSource([metrics.registry, depsOf(options.runtime).requestLimits.metrics.registry]);
  const { metricsToken } = options;
  const cors = createCors(options.corsOrigins ?? []);
  const proxyTrust = compileProxyTrust(options.trustedProxies ?? []);
  const trpc = createTrpcHandler({
    runtime: options.runtime,
    logger,
    secureCookies: options.secureCookies ?? false,
  });
  // Built once from the router (lazy sub-routers are loaded first); listen() waits for it.
  // Once built, the handler is taken without awaiting the promise again on every request.
  let restHandler: RestHandler | undefined;
  const rest = (options.restRoutes ? Promise.resolve(options.restRoutes) : procedureRoutes(appRouter)).then(
    (routes) => {
      restHandler = createRestHandler({ runtime: options.runtime, routes });
      return restHandler;
    },
  );
  const openApi = createOpenApiRoute(appRouter);
  const consoleRoute = createConsoleRoutes(
    options.consoleDir === undefined ? defaultConsoleDir() : options.consoleDir,
  );
  // Failures surface from listen(); this only keeps them from being reported as unhandled meanwhile.
  rest.catch(() => undefined);
  type FixedRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void> | undefined;
  const fixedRoutes: Record<string, FixedRoute> = {
    "/health": async (_req, res) => sendLiveness(res),
    "/health/ready": (_req, res) => sendReadiness(res, options.readiness),
    [OPENAPI_PATH]: (_req, res) => openApi(res),
  };
  if (metricsToken !== undefined) {
    fixedRoutes[METRICS_PATH] = async (req, res) => {
      if (!carriesBearerToken(req, metricsToken)) throw metricsTokenRequired();
      await sendMetrics(res, scrape);
    };
  }
  const lifecycle = { draining: false };
  /** Responses not yet finished: when the server starts draining, each is told to close its connection. */
  const inFlight = new Set<ServerResponse>();

  /**
   * Routes the request. A handler's promise is handed back as it is rather than awaited here: each
   * async level a request passes through costs it a promise and a microtask turn on the way back.
   */
  function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    url: RequestTarget | null,
    corsOk: boolean,
  ): Promise<void> | undefined {
    if (!url) throw new AppError("BAD_REQUEST", "Malformed request target");
    const path = url.pathname;
    if (cors.isPreflight(req)) {
      state.route = "preflight";
      cors.answerPreflight(req, res, corsOk);
      return;
    }
    if (path.startsWith(TRPC_PREFIX)) {
      state.route = trpcRouteLabel(path);
      return trpc(req, res, state, url);
    }
    if (path === REST_PREFIX || path.startsWith(`${REST_PREFIX}/`)) {
      if (restHandler) return serveRest(restHandler, req, res, state, url);
      return rest.then((handler) => serveRest(handler, req, res, state, url));
    }
    const readOnly = req.method === "GET" || req.method === "HEAD";
    const fixed = Object.hasOwn(fixedRoutes, path) ? fixedRoutes[path] : undefined;
    if (fixed && readOnly) {
      state.route = path;
      return fixed(req, res);
    }
    const docs = docsRoute(path) ?? (readOnly ? consoleRoute(path) : null);
    if (docs && readOnly) {
      state.route = docs.label;
      return docs.serve(res);
    }
    const widgetScript = readOnly ? widgetScriptRoute(path) : null;
    if (widgetScript) {
      state.route = widgetScript.label;
      return widgetScript.serve(req, res);
    }
    sendError(res, state.request.requestId, routeNotFound);
  }

  function serveRest(
    handler: RestHandler,
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    url: RequestTarget,
  ): Promise<void> | undefined {
    const found = handler.match(req.method, url.pathname);
    state.route = found?.route.path ?? "unmatched";
    return handler.handle(req, res, state, url, found);
  }

  /** The response is done (sent, or cut short): one access log line and the metrics. */
  function finish(req: IncomingMessage, res: ServerResponse, state: RequestState, started: number) {
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    const method = METHODS.has(req.method ?? "") ? (req.method as string) : "OTHER";
    metrics.observe(state.route, method, res.statusCode, durationMs / 1000);
    accessLog({
      requestId: state.request.requestId,
      method,
      route: state.route,
      status: res.statusCode,
      durationMs,
      userId: state.trace.userId,
      orgId: state.trace.orgId,
      aborted: !res.writableFinished,
    });
    // While draining, a keep-alive connection whose last request just ended is idle: let it go.
    if (lifecycle.draining) setImmediate(() => server.closeIdleConnections());
  }

  function fail(error: unknown, res: ServerResponse, state: RequestState) {
    const described = describeError(error);
    if (described.status >= 500) {
      logger.error({ err: error, requestId: state.request.requestId, route: state.route }, "request failed");
    }
    if (res.headersSent) res.destroy();
    else {
      const refusal = limitOutcomeOf(error);
      const limitHeaders = rateLimitHeaderList(refusal ?? state.trace.limits, refusal !== undefined);
      sendError(res, state.request.requestId, described, limitHeaders);
    }
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = resolveRequestId(req.headers["x-request-id"]);
    const state: RequestState = {
      request: requestInfo(req, requestId, proxyTrust),
      route: "unmatched",
      trace: {},
    };
    // Parsed once, here: the CORS mode is decided from the same normalized path the router routes.
    const url = parseRequestTarget(req.url);
    const corsHeaders = cors.headersFor(req, url?.pathname ?? null);
    setServerHeaders(res, requestId, corsHeaders, lifecycle.draining);
    inFlight.add(res);
    res.on("close", () => {
      inFlight.delete(res);
      finish(req, res, state, started);
    });
    try {
      dispatch(req, res, state, url, corsHeaders !== null)?.catch((error: unknown) =>
        fail(error, res, state),
      );
    } catch (error) {
      fail(error, res, state);
    }
  });

  return {
    server,
    metrics,
    metricsSource: scrape,
    async listen(port, host) {
      await rest;
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      });
    },
    close(graceMs = DEFAULT_GRACE_MS) {
      lifecycle.draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
      return new Promise((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
