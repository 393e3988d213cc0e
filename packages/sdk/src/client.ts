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
import { tokensLink } from "./tokens-link";
import type {
  KyroApiKeyClient,
  KyroApiKeyOptions,
  KyroClient,
  KyroClientOptions,
  KyroHeaders,
  KyroSessionOptions,
} from "./types";

/**
 * The typed tRPC client for Kyro (superjson, batched requests to `${baseUrl}/trpc`).
 *
 * - `{ baseUrl, apiKey }`: every call sends `Authorization: Bearer <apiKey>`; `orgId` may be left out
 *   (the key's org).
 * - `{ baseUrl, accessToken?, refreshToken?, onTokens? }`: a user session. With a refresh token an
 *   expired access token is renewed once and the failed call retried once; every pair a call returns
 *   (login, switchOrg, ...) becomes the session's. With none of the three the client is anonymous.
 */
export function createKyroClient(options: KyroApiKeyOptions): KyroApiKeyClient;
export function createKyroClient(options: KyroSessionOptions): KyroClient;
export function createKyroClient(options: KyroClientOptions): KyroClient | KyroApiKeyClient;
export function createKyroClient(options: KyroClientOptions): KyroClient | KyroApiKeyClient {
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
  if (session) {
    links.unshift(refreshLink(session));
    // An anonymous client keeps nothing, so one client can sign in many users (a backend for a UI).
    const holdsSession =
      options.accessToken !== undefined ||
      options.refreshToken !== undefined ||
      options.onTokens !== undefined;
    if (holdsSession) links.unshift(tokensLink(session));
  }
  // Only the input types differ between the two client types (`orgId` optional for a key).
  return createTRPCClient<AppRouter>({ links }) as unknown as KyroClient | KyroApiKeyClient;
}
