import type { IncomingMessage, ServerResponse } from "node:http";
import {
  appRouter,
  type Context,
  createContext,
  describeError,
  limitOutcomeOf,
  type Runtime,
  rateLimitHeaders,
} from "@kyro/api";
import type { Logger } from "@kyro/platform";
import { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { getHTTPStatusCode } from "@trpc/server/http";
import { MAX_BODY_BYTES } from "./body";
import type { RequestState } from "./request-state";
import type { RequestTarget } from "./request-target";
import {
  type AnyProcedure,
  callProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
} from "./trpc-internals";

export const TRPC_PREFIX = "/trpc/";

// At run time the router keeps its procedures flat, by dotted path.
const procedures = appRouter._def.procedures as unknown as Readonly<Record<string, AnyProcedure | undefined>>;
const procedureNames = new Set(Object.keys(procedures));
const config = appRouter._def._config;
/** The Vary tRPC's resolveResponse starts every answer with. */
const TRPC_VARY = "trpc-accept, accept";

/** `/trpc/<procedure>` for a known procedure, `/trpc/batch` for a batch of known ones, else unmatched. */
export function trpcRouteLabel(pathname: string): string {
  const path = pathname.slice(TRPC_PREFIX.length);
  const paths = path.split(",");
  if (!paths.every((name) => procedureNames.has(name))) return "unmatched";
  return paths.length === 1 ? `${TRPC_PREFIX}${path}` : `${TRPC_PREFIX}batch`;
}

/**
 * What tRPC's Vary misses — Origin, since CORS answers differ by it — and the RateLimit headers of the
 * limits the call was counted against (or refused by), on success and on 429.
 */
function extraHeaders(errors: readonly unknown[], ctx: Context | undefined): string[] {
  const refusal = errors.map(limitOutcomeOf).find((outcome) => outcome !== undefined);
  const limits = refusal ?? ctx?.trace.limits;
  const headers = ["vary", "Origin"];
  if (limits) headers.push(...rateLimitHeaders(limits, refusal !== undefined));
  return headers;
}

/** A flat header list as Fetch headers, for the adapter's responseMeta. */
function fetchHeaders(list: readonly string[]): Headers {
  const headers = new Headers();
  for (let index = 0; index < list.length; index += 2) {
    headers.append(list[index] as string, list[index + 1] as string);
  }
  return headers;
}

/** The query procedure a plain `GET /trpc/<path>` (no batch, no streaming) calls, or null for any other request. */
function plainQuery(
  req: IncomingMessage,
  url: RequestTarget,
): { path: string; procedure: AnyProcedure } | null {
  if (req.method !== "GET" || req.headers["content-type"] !== undefined) return null;
  if (req.headers["trpc-accept"] !== undefined || url.searchParams.has("batch")) return null;
  const path = url.pathname.slice(TRPC_PREFIX.length);
  const procedure = procedureNames.has(path) ? procedures[path] : undefined;
  // Streaming procedures (file exports) keep tRPC's own refusal of a stream in a plain response.
  if (
    procedure?._def.type !== "query" ||
    (procedure._def.meta as { rest?: { stream?: object } } | undefined)?.rest?.stream
  )
    return null;
  return { path, procedure };
}

/** The `input` query parameter, parsed and transformed on first use and then kept, as tRPC does. */
class QueryInput {
  private parsed: { value: unknown } | undefined;
  constructor(private readonly text: string | null) {}

  /** What was read so far (for the error formatter), undefined before or when unreadable. */
  get value(): unknown {
    return this.parsed?.value;
  }

  async read(): Promise<unknown> {
    if (this.parsed) return this.parsed.value;
    try {
      const raw = this.text ? JSON.parse(this.text) : undefined;
      this.parsed = { value: raw === undefined ? undefined : config.transformer.input.deserialize(raw) };
    } catch (cause) {
      if (cause instanceof TRPCError) throw cause;
      const message = cause instanceof Error ? cause.message : "Invalid input";
      throw new TRPCError({ code: "BAD_REQUEST", message, cause });
    }
    return this.parsed.value;
  }
}

export function createTrpcHandler(options: { runtime: Runtime; logger: Logger }) {
  const states = new WeakMap<IncomingMessage, RequestState>();
  const contextOf = (req: IncomingMessage, state: RequestState): Context =>
    createContext({
      runtime: options.runtime,
      request: state.request,
      authorization: req.headers.authorization ?? null,
      trace: state.trace,
    });
  const logFailure = (error: TRPCError, path: string | undefined, requestId: string | undefined) => {
    if (describeError(error).status < 500) return;
    options.logger.error({ err: error.cause ?? error, requestId, procedure: path }, "tRPC procedure failed");
  };

  const handler = createHTTPHandler({
    router: appRouter,
    basePath: TRPC_PREFIX,
    maxBodySize: MAX_BODY_BYTES,
    // tRPC replaces the Vary header the server set and appends these to its own.
    responseMeta: ({ ctx, errors }) => ({ headers: fetchHeaders(extraHeaders(errors, ctx)) }),
    createContext: ({ req }) => {
      const state = states.get(req);
      if (!state) throw new Error("tRPC request without server state");
      return contextOf(req, state);
    },
    onError: ({ error, path, req }) => logFailure(error, path, states.get(req)?.request.requestId),
  });

  /**
   * A single query over GET — what every tRPC read without batching is — answered without the adapter's
   * Fetch Request/Response round trip, which cost more CPU than the procedure chain itself under load.
   * It follows tRPC's resolveResponse for this case step by step (the lazily parsed and transformed
   * `input`, error shape, status, headers), so clients cannot tell the two apart; anything else
   * (batches, mutations, streaming, other content types) goes through the adapter. Kept on its A/B
   * figure (bench/README.md, 2026-12-07): unbatched `orgs.get` at 2.35× the adapter's throughput, CPU per
   * request 0.27 against 0.74 ms.
   */
  async function answerQuery(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    url: RequestTarget,
    { path, procedure }: { path: string; procedure: AnyProcedure },
  ): Promise<void> {
    const ctx = contextOf(req, state);
    const input = new QueryInput(url.searchParams.get("input"));
    let body: { result: { data: unknown } } | { error: ReturnType<typeof getErrorShape> };
    let error: TRPCError | undefined;
    try {
      const data = await callProcedure(procedure, { path, getRawInput: input.read.bind(input), ctx });
      body = { result: { data } };
    } catch (cause) {
      error = getTRPCErrorFromUnknown(cause);
      logFailure(error, path, state.request.requestId);
      body = { error: getErrorShape({ config, ctx, error, input: input.value, path, type: "query" }) };
    }
    const errors = error ? [error] : [];
    const extra = extraHeaders(errors, ctx);
    const head = ["content-type", "application/json"];
    for (let index = 0; index < extra.length; index += 2) {
      const name = extra[index] as string;
      const value = extra[index + 1] as string;
      head.push(name, name === "vary" ? `${TRPC_VARY}, ${value}` : value);
    }
    res.writeHead(getHTTPStatusCode(body, errors), head);
    res.end(JSON.stringify(transformTRPCResponse(config, body)));
  }

  // Not async: the query's promise is handed back as it is (see `dispatch`).
  return (
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    url: RequestTarget,
  ): Promise<void> | undefined => {
    const query = plainQuery(req, url);
    if (query) return answerQuery(req, res, state, url, query);
    states.set(req, state);
    handler(req, res);
  };
}
