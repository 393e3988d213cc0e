import type { AppDeps } from "./deps";
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
  /** The raw `Authorization` header value, parsed by the auth middleware. */
  authorization: string | null;
  trace: RequestTrace;
  /**
   * The request body exactly as received, on REST calls only (signature checks of inbound webhooks).
   * Typed as Uint8Array (a Buffer is one) so the published router type needs no Node type definitions.
   */
  rawBody: Uint8Array | null;
  /** Request headers (lower-case names) on REST calls, for signature headers of inbound webhooks; empty otherwise. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ContextOptions {
  runtime: Runtime;
  request: RequestInfo;
  authorization: string | null;
  trace?: RequestTrace;
  rawBody?: Uint8Array | null;
  headers?: Readonly<Record<string, string | string[] | undefined>>;
}

export function createContext(options: ContextOptions): Context {
  return {
    runtime: options.runtime,
    request: options.request,
    authorization: options.authorization,
    trace: options.trace ?? {},
    rawBody: options.rawBody ?? null,
    headers: options.headers ?? {},
  };
}
