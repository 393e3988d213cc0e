import { appRouter, createCallerFactory, createContext, type createRuntime } from "@kyro/api";

/**
 * The in-process caller a bench seeds with: as the bearer `token` when given, from `origin` when a
 * widget call needs one.
 */
export function seedCaller(runtime: ReturnType<typeof createRuntime>) {
  const createCaller = createCallerFactory(appRouter);
  return (token?: string, origin: string | null = null) =>
    createCaller(
      createContext({
        runtime,
        request: { requestId: "seed", ip: "127.0.0.1", userAgent: "bench", origin },
        authorization: token ? `Bearer ${token}` : null,
      }),
    );
}
