import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerOf, type Context, createContext, type RequestTrace, type Runtime } from "@kyro/api";
import { parseJsonBody, readBody } from "./body";
import { methodNotAllowed, routeNotFound, sendError } from "./envelope";
import type { RequestState } from "./request-state";
import type { RequestTarget } from "./request-target";

export const REST_PREFIX = "/api/v1";

export type RestMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface RestCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: RequestTarget;
  /** Values of the `{name}` segments of the route's path. */
  params: Record<string, string>;
  /** The body exactly as received (at most 1 MiB; empty when none), for signature checks. */
  rawBody: Buffer;
  /** Parsed JSON body, `undefined` when none was sent. */
  body: unknown;
  /** The procedure context: acts as the bearer of the request's token, or anonymously without one. */
  context: Context;
  /** Filled in by the procedure chain (caller, org, the limits counted). */
  trace: RequestTrace;
}

/** A REST endpoint: the handler maps HTTP to one `caller` call and writes the response. */
export interface RestRoute {
  method: RestMethod;
  /** Template such as `/api/v1/bots/{botId}`; also the route label in logs and metrics. */
  path: string;
  /** The body is passed on raw (`rawBody`) and never parsed as JSON (signed inbound webhooks). */
  rawBody?: boolean;
  handle(call: RestCall): Promise<void>;
}

interface CompiledRoute {
  route: RestRoute;
  pattern: RegExp;
  names: string[];
  segments: string[];
}

const isParam = (segment: string) => /^\{\w+\}$/.test(segment);

function compile(route: RestRoute): CompiledRoute {
  const names: string[] = [];
  const segments = route.path.split("/");
  const source = segments
    .map((segment) => {
      if (!isParam(segment)) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(segment.slice(1, -1));
      return "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}$`), names, segments };
}

/** A literal segment beats a `{param}` at the same place, so `/bots/export` wins over `/bots/{botId}`. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.min(a.segments.length, b.segments.length);
  for (let index = 0; index < length; index++) {
    const difference = Number(isParam(a.segments[index] ?? "")) - Number(isParam(b.segments[index] ?? ""));
    if (difference !== 0) return difference;
  }
  return 0;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** What a request without a body reads as: empty, so one shared instance serves them all. */
const NO_BODY = Buffer.alloc(0);

export interface RestMatch {
  route: RestRoute;
  params: Record<string, string>;
}

export type RestHandler = ReturnType<typeof createRestHandler>;

export function createRestHandler(options: { runtime: Runtime; routes: readonly RestRoute[] }) {
  const compiled = options.routes.map(compile).sort(bySpecificity);
  // A path without `{param}` segments matches only itself, and it sorts before any param route that
  // could match the same path, so an exact lookup finds what the ordered scan would.
  const exact = new Map<string, RestRoute>();
  for (const { route, names } of compiled) {
    const key = `${route.method} ${route.path}`;
    if (names.length === 0 && !exact.has(key)) exact.set(key, route);
  }
  const withParams = compiled.filter((entry) => entry.names.length > 0);

  /**
   * The methods served at the most specific template matching `pathname` (a literal segment beats a
   * `{param}`, as in routing); empty when no template matches, i.e. an unknown path (404, not 405).
   */
  function allowedMethods(pathname: string): string[] {
    const matching = compiled.filter((entry) => entry.pattern.test(pathname));
    const template = matching[0]?.route.path;
    const methods = matching
      .filter((entry) => entry.route.path === template)
      .map((entry) => entry.route.method);
    return [...new Set(methods)].sort();
  }

  function serve(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    url: RequestTarget,
    found: RestMatch | null,
    rawBody: Buffer,
  ): Promise<void> | undefined {
    const body = found?.route.rawBody ? undefined : parseJsonBody(req, rawBody);
    if (!found) {
      const allow = allowedMethods(url.pathname);
      if (allow.length === 0) sendError(res, state.request.requestId, routeNotFound);
      else sendError(res, state.request.requestId, methodNotAllowed(allow), ["Allow", allow.join(", ")]);
      return;
    }
    // The header is parsed once, here; the procedure chain reads the token from the context.
    const context = createContext({
      runtime: options.runtime,
      request: state.request,
      authorization: req.headers.authorization ?? null,
      trace: state.trace,
      rawBody,
      headers: req.headers,
    });
    // Only `Bearer <token>` is accepted; any other scheme is refused rather than treated as anonymous.
    bearerOf(context);
    return found.route.handle({
      req,
      res,
      url,
      params: found.params,
      rawBody,
      body,
      context,
      trace: state.trace,
    });
  }

  return {
    /** The route for a request, with its decoded `{param}` values; null when none matches. */
    match(method: string | undefined, pathname: string): RestMatch | null {
      const route = exact.get(`${method} ${pathname}`);
      if (route) return { route, params: {} };
      for (const entry of withParams) {
        if (entry.route.method !== method) continue;
        const match = entry.pattern.exec(pathname);
        const values = match?.slice(1).map(decodeSegment);
        if (values?.every((value) => value !== null)) {
          const params = Object.fromEntries(entry.names.map((name, index) => [name, values[index] ?? ""]));
          return { route: entry.route, params };
        }
      }
      return null;
    },

    /**
     * Errors thrown here (AppError or not), or by the promise it returns, are turned into the envelope
     * by the server. The body is read (and limited) before routing so size and syntax errors answer the
     * same everywhere.
     */
    handle(
      req: IncomingMessage,
      res: ServerResponse,
      state: RequestState,
      url: RequestTarget,
      found: RestMatch | null,
    ): Promise<void> | undefined {
      if (!BODY_METHODS.has(req.method ?? "")) return serve(req, res, state, url, found, NO_BODY);
      return readBody(req).then((rawBody) => serve(req, res, state, url, found, rawBody));
    },
  };
}
