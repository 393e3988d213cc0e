import { bearerToken } from "./bearer";
import type { AppDeps } from "./deps";
import { unauthorized } from "./errors";
import type { RequestInfo } from "./request-info";
import type { LimitOutcome } from "./request-limits";

/**
 * Opaque handle to the process's dependencies. The root context type is part of `AppRouter`, which the
 * SDK publishes; keeping it plain means no Drizzle or driver types leak into the SDK's declarations.
 */
export interface Runtime {
  readonly kind: "kyro-runtime";
}

const runtimes = new WeakMap<Runtime, AppDeps>();

export function createRuntime(deps: AppDeps): Runtime {
  const runtime: Runtime = Object.freeze({ kind: "kyro-runtime" });
  runtimes.set(runtime, deps);
  return runtime;
}

export function depsOf(runtime: Runtime): AppDeps {
  const deps = runtimes.get(runtime);
  if (!deps) throw new Error("Unknown runtime handle");
  return deps;
}

/** Filled in by the auth and org middlewares so the server's access log can name the caller. */
export interface RequestTrace {
  userId?: string;
  keyId?: string;
  orgId?: string;
  /** The rate limits the request was counted against; the server sends them as RateLimit headers. */
  limits?: LimitOutcome;
}

export interface Context {
  runtime: Runtime;
  request: RequestInfo;
  /**
   * The `Authorization` header, read once when the context is made: its bearer token (null when the
   * request has none), or why it was refused. Read it with `bearerOf`.
   */
  bearer: { token: string | null } | { refused: string };
  trace: RequestTrace;
  /**
   * The request body exactly as received, on REST calls only (signature checks of inbound webhooks).
   * Typed as Uint8Array (a Buffer is one) so the published router type needs no Node type definitions.
   */
  rawBody: Uint8Array | null;
  /** Request headers (lower-case names) on REST calls, for signature headers of inbound webhooks; empty otherwise. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The refresh-token cookie both ways (see RefreshCookie); tRPC calls only. */
  refreshCookie: RefreshCookie;
}

/**
 * The browser session's refresh token, kept in an HttpOnly cookie so no script can read it. The
 * server reads `presented` from the request's cookie; the auth procedures set `outgoing` and the
 * server turns it into the Set-Cookie header (name, path and flags are the server's business).
 */
export interface RefreshCookie {
  presented: string | null;
  outgoing?: { token: string; expiresAt: Date } | "clear";
}

export interface ContextOptions {
  runtime: Runtime;
  request: RequestInfo;
  /** The raw `Authorization` header; parsed here, once per request. */
  authorization: string | null;
  trace?: RequestTrace;
  rawBody?: Uint8Array | null;
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** The refresh token the request's cookie carried, if any. */
  refreshCookie?: string | null;
}

export function createContext(options: ContextOptions): Context {
  return {
    runtime: options.runtime,
    request: options.request,
    bearer: readBearer(options.authorization),
    trace: options.trace ?? {},
    rawBody: options.rawBody ?? null,
    headers: options.headers ?? {},
    refreshCookie: { presented: options.refreshCookie ?? null },
  };
}

/** A malformed header is kept as a refusal rather than thrown: anonymous procedures ignore it, as before. */
function readBearer(authorization: string | null): Context["bearer"] {
  try {
    return { token: bearerToken(authorization) };
  } catch (error) {
    return { refused: error instanceof Error ? error.message : "Invalid Authorization header" };
  }
}

/** The request's bearer token (null when anonymous); UNAUTHORIZED when the header was not `Bearer <token>`. */
export function bearerOf(ctx: Pick<Context, "bearer">): string | null {
  if ("refused" in ctx.bearer) throw unauthorized(ctx.bearer.refused);
  return ctx.bearer.token;
}
