import type { KyroSessionRouter } from "@kyro/sdk";
import { QueryClient } from "@tanstack/react-query";
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  splitLink,
  TRPCClientError,
  type TRPCLink,
} from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import { currentAccessToken, setAccessToken } from "./session";

export const { TRPCProvider, useTRPC } = createTRPCContext<KyroSessionRouter>();

/** Same origin: served by Kyro at /console, or through the dev server's proxy. */
const url = "/trpc";
/** Calls whose UNAUTHORIZED is about what they were given, which a refresh cannot fix. */
const NO_RETRY = new Set(["auth.cookieLogin", "auth.cookieVerifyEmail", "auth.cookieRefresh", "auth.logout"]);

const headers = () => {
  const token = currentAccessToken();
  return token ? { authorization: `Bearer ${token}` } : {};
};

// The refresh call goes alone (never batched): its cookie is scoped to /trpc/auth.cookieRefresh.
const refresher = createTRPCClient<KyroSessionRouter>({ links: [httpLink({ url, transformer: superjson })] });
let renewing: Promise<boolean> | null = null;

/** One cookie refresh shared by every call failing together; false when the session is gone. */
export function renewSession(): Promise<boolean> {
  if (renewing) return renewing;
  renewing = refresher.auth.cookieRefresh
    .mutate()
    .then(
      (tokens) => {
        setAccessToken(tokens.accessToken);
        return true;
      },
      () => {
        setAccessToken(null);
        return false;
      },
    )
    .finally(() => {
      renewing = null;
    });
  return renewing;
}

/**
 * A call to a REST route (streams and files, which tRPC's JSON links cannot carry) with the in-memory
 * access token; an expired one is renewed once and the call retried once, as the tRPC calls are.
 */
export async function authorizedFetch(path: string): Promise<Response> {
  const call = () => fetch(path, { headers: { authorization: `Bearer ${currentAccessToken() ?? ""}` } });
  const res = await call();
  return res.status === 401 && (await renewSession()) ? call() : res;
}

/** An expired access token is renewed once and the call retried once. */
const refreshLink: TRPCLink<KyroSessionRouter> =
  () =>
  ({ op, next }) =>
    observable((observer) => {
      let current = next(op).subscribe({
        next: (value) => observer.next(value),
        complete: () => observer.complete(),
        error: (error) => {
          if (NO_RETRY.has(op.path) || error.data?.code !== "UNAUTHORIZED") {
            observer.error(error);
            return;
          }
          renewSession().then((renewed) => {
            if (!renewed) return observer.error(error);
            current = next(op).subscribe(observer);
          });
        },
      });
      return () => current.unsubscribe();
    });

export const trpcClient = createTRPCClient<KyroSessionRouter>({
  links: [
    refreshLink,
    splitLink({
      condition: (op) => op.type === "mutation",
      true: httpLink({ url, transformer: superjson, headers }),
      false: httpBatchLink({ url, transformer: superjson, headers }),
    }),
  ],
});

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      retry: (failures, error) =>
        failures < 2 && !(error instanceof TRPCClientError && error.data?.httpStatus < 500),
    },
  },
});

/** What an error box shows: the message and the request id from the error envelope. */
export function describeFailure(error: unknown): {
  message: string;
  requestId: string | null;
  code: string | null;
} {
  if (error instanceof TRPCClientError) {
    const data = error.data as { requestId?: string | null; code?: string } | undefined;
    return { message: error.message, requestId: data?.requestId ?? null, code: data?.code ?? null };
  }
  return { message: error instanceof Error ? error.message : String(error), requestId: null, code: null };
}
