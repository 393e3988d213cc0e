import type { AppRouter } from "@kyro/api";
import type { HTTPBatchLinkOptions, TRPCClient, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { KyroApiKeyRouter, KyroSessionRouter } from "./router-types";

export type { AppRouter, KyroApiKeyRouter, KyroSessionRouter };

/** Inputs of every procedure as a user session passes them, e.g. `KyroInputs["orgs"]["create"]`. */
export type KyroInputs = inferRouterInputs<KyroSessionRouter>;
/** Inputs as an API key passes them: `orgId` may be left out. */
export type KyroApiKeyInputs = inferRouterInputs<KyroApiKeyRouter>;
/** Outputs of every procedure, e.g. `KyroOutputs["auth"]["me"]`. */
export type KyroOutputs = inferRouterOutputs<AppRouter>;

/** The typed client of a user session: `client.orgs.create.mutate(...)`, `client.auth.me.query()`. */
export type KyroClient = TRPCClient<KyroSessionRouter>;
/** The typed client of an API key: the same procedures, with `orgId` optional (the key's org). */
export type KyroApiKeyClient = TRPCClient<KyroApiKeyRouter>;
/** What a failed call rejects with; `error.data.code` is the Kyro error code (e.g. `"NOT_FOUND"`). */
export type KyroClientError = TRPCClientError<AppRouter>;

/** A session's token pair, as `auth.verifyEmail`, `auth.login`, `auth.refresh` and `auth.switchOrg` return it. */
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
 * A user session. With a refresh token, a call that fails with UNAUTHORIZED renews the pair once and
 * is retried once. Every pair a call returns (login, verifyEmail, refresh, switchOrg) replaces the
 * session's, and every new pair goes to `onTokens` so it can be persisted. Without any of the three
 * options the client is anonymous (enough for `auth.signup`, `auth.verifyEmail`, `auth.login` and the
 * password reset) and keeps no pair it is handed.
 */
export interface KyroSessionOptions extends KyroClientBaseOptions {
  apiKey?: never;
  accessToken?: string;
  refreshToken?: string;
  onTokens?: (tokens: KyroTokens) => void | Promise<void>;
}

export type KyroClientOptions = KyroApiKeyOptions | KyroSessionOptions;
