import type { IncomingMessage, ServerResponse } from "node:http";
import {
  appRouter,
  createContext,
  describeError,
  limitOutcomeOf,
  type Runtime,
  rateLimitHeaders,
} from "@kyro/api";
import type { Logger } from "@kyro/platform";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { MAX_BODY_BYTES } from "./body";
import type { RequestState } from "./request-state";

export const TRPC_PREFIX = "/trpc/";

const procedures = new Set(Object.keys(appRouter._def.procedures));

/** `/trpc/<procedure>` for a known procedure, `/trpc/batch` for a batch of known ones, else unmatched. */
export function trpcRouteLabel(pathname: string): string {
  const path = pathname.slice(TRPC_PREFIX.length);
  const paths = path.split(",");
  if (!paths.every((name) => procedures.has(name))) return "unmatched";
  return paths.length === 1 ? `${TRPC_PREFIX}${path}` : `${TRPC_PREFIX}batch`;
}

export function createTrpcHandler(options: { runtime: Runtime; logger: Logger }) {
  const states = new WeakMap<IncomingMessage, RequestState>();
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: TRPC_PREFIX,
    maxBodySize: MAX_BODY_BYTES,
    // tRPC replaces the Vary header the server set; add Origin back since CORS answers differ by it.
    // The limits the call was counted against go out as RateLimit headers, on success and on 429.
    responseMeta: ({ ctx, errors }) => {
      const headers = new Headers([["vary", "Origin"]]);
      const refusal = errors.map(limitOutcomeOf).find((outcome) => outcome !== undefined);
      const limits = refusal ?? ctx?.trace.limits;
      if (limits) {
        for (const [name, value] of rateLimitHeaders(limits, refusal !== undefined)) headers.set(name, value);
      }
      return { headers };
    },
    createContext: ({ req }) => {
      const state = states.get(req);
      if (!state) throw new Error("tRPC request without server state");
      return createContext({
        runtime: options.runtime,
        request: state.request,
        authorization: req.headers.authorization ?? null,
        trace: state.trace,
      });
    },
    onError: ({ error, path, req }) => {
      if (describeError(error).status < 500) return;
      options.logger.error(
        { err: error.cause ?? error, requestId: states.get(req)?.request.requestId, procedure: path },
        "tRPC procedure failed",
      );
    },
  });
  return (req: IncomingMessage, res: ServerResponse, state: RequestState): void => {
    states.set(req, state);
    handler(req, res);
  };
}
