import type { AppRouter } from "@kyro/api";
import {
  createTRPCClient,
  httpBatchLink,
  httpBatchStreamLink,
  httpLink,
  splitLink,
  type TRPCLink,
} from "@trpc/client";
import superjson from "superjson";
import { STREAMING_PROCEDURES } from "./procedures";
import { refreshLink } from "./refresh-link";
import { Session } from "./session";
import type { KyroClient, KyroClientOptions, KyroHeaders } from "./types";

/**
 * The typed tRPC client for Kyro (superjson, batched requests to `${baseUrl}/trpc`).
 *
 * - `{ baseUrl, apiKey }`: every call sends `Authorization: Bearer <apiKey>`.
 * - `{ baseUrl, accessToken, refreshToken?, onTokens? }`: a user session; with a refresh token an
 *   expired access token is renewed once and the failed call retried once.
 */
export function createKyroClient(options: KyroClientOptions): KyroClient {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/trpc`;
  const transport = { url, transformer: superjson, ...(options.fetch ? { fetch: options.fetch } : {}) };
  // The credential is the client's own; an `Authorization` among the extra headers never replaces it.
  const extraHeaders = async (): Promise<KyroHeaders> => {
    const extra = typeof options.headers === "function" ? await options.headers() : (options.headers ?? {});
    return Object.fromEntries(
      Object.entries(extra).filter(([name]) => name.toLowerCase() !== "authorization"),
    );
  };

  const apiKey = options.apiKey;
  let session: Session | undefined;
  if (apiKey === undefined) {
    // Unauthenticated and outside the refresh link, so a refresh never triggers another.
    const refresher = createTRPCClient<AppRouter>({
      links: [httpLink({ ...transport, headers: extraHeaders })],
    });
    session = new Session({
      accessToken: options.accessToken,
      refreshToken: options.refreshToken,
      onTokens: options.onTokens,
      exchange: (refreshToken) => refresher.auth.refresh.mutate({ refreshToken }),
    });
  }

  const headers = async (): Promise<KyroHeaders> => {
    const bearer = apiKey ?? session?.accessToken;
    const extra = await extraHeaders();
    return bearer === undefined ? extra : { ...extra, authorization: `Bearer ${bearer}` };
  };

  const links: TRPCLink<AppRouter>[] = [
    splitLink({
      condition: (op) => STREAMING_PROCEDURES.has(op.path),
      true: httpBatchStreamLink({ ...transport, headers }),
      false: httpBatchLink({ ...transport, headers }),
    }),
  ];
  if (session) links.unshift(refreshLink(session));
  return createTRPCClient<AppRouter>({ links });
}
