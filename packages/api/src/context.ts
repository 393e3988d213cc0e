import type { AppDeps } from "./deps";

export interface RequestInfo {
  requestId: string;
  ip: string;
  userAgent: string | null;
}

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
}

export interface Context {
  runtime: Runtime;
  request: RequestInfo;
  /** The raw `Authorization` header value, parsed by the auth middleware. */
  authorization: string | null;
  trace: RequestTrace;
}

export function createContext(
  runtime: Runtime,
  request: RequestInfo,
  authorization: string | null,
  trace: RequestTrace = {},
): Context {
  return { runtime, request, authorization, trace };
}
