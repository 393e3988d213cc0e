import type { AppRouter } from "@kyro/api";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";

export type { AppRouter };

export interface KyroClientOptions {
  baseUrl: string;
  accessToken?: string;
}

/**
 * The typed tRPC client. Only types come from the server packages; API keys, token refresh and the
 * published bundle arrive with the SDK issue.
 */
export function createKyroClient(options: KyroClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.baseUrl.replace(/\/$/, "")}/trpc`,
        transformer: superjson,
        headers: () => (options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {}),
      }),
    ],
  });
}
