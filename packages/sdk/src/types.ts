import type { AppRouter } from "@kyro/api";
import type { HTTPBatchLinkOptions, TRPCClient, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

export type { AppRouter };

/** Inputs of every procedure, e.g. `KyroInputs["orgs"]["create"]`. */
export type KyroInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `KyroOutputs["auth"]["me"]`. */
export type KyroOutputs = inferRouterOutputs<AppRouter>;

/** The typed client: `client.orgs.create.mutate(...)`, `client.auth.me.query()`. */
export type KyroClient = TRPCClient<AppRouter>;
/** What a failed call rejects with; `error.data.code` is the Kyro error code (e.g. `"NOT_FOUND"`). */
export type KyroClientError = TRPCClientError<AppRouter>;

/** A session's token pair, as `auth.verifyEmail`, `auth.login` and `auth.refresh` return it. */
export type KyroTokens = Pick<
  KyroOutputs["auth"]["refresh"],
  "accessToken" | "refreshToken" | "accessTokenExpiresAt"
>;

export type KyroHeaders = Record<string, string>;
export type KyroFetch = NonNullable<HTTPBatchLinkOptions<AppRouter["_def"]["_config"]["$types"]>["fetch"]>;

interface KyroClientBaseOptions {
  /** Where Kyro runs, e.g. `https://kyro.example.com`; the client calls `${baseUrl}/trpc`. */
  baseUrl: string;
  /** Extra headers for every request; `Authorization` is ignored here (pass `apiKey` or `accessToken`). */
  headers?: KyroHeaders | (() => KyroHeaders | Promise<KyroHeaders>);
  /** A `fetch` to use instead of the global one. */
  fetch?: KyroFetch;
}

/** A server-side integration authenticated with an API key (`kyro_sk_...`). */
export interface KyroApiKeyOptions extends KyroClientBaseOptions {
  apiKey: string;
  accessToken?: never;
  refreshToken?: never;
  onTokens?: never;
}

/**
 * A user session. Without an access token the client is anonymous (enough for `auth.signup`,
 * `auth.verifyEmail`, `auth.login` and the password reset). With a refresh token, a call that fails
 * with UNAUTHORIZED renews the pair once and is retried once; `onTokens` receives every new pair so it
 * can be persisted.
 */
export interface KyroSessionOptions extends KyroClientBaseOptions {
  apiKey?: never;
  accessToken?: string;
  refreshToken?: string;
  onTokens?: (tokens: KyroTokens) => void | Promise<void>;
}

export type KyroClientOptions = KyroApiKeyOptions | KyroSessionOptions;
