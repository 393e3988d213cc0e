import { TRPCClientError } from "@trpc/client";
import type { KyroClientError } from "./types";

export { createKyroClient } from "./client";
export type {
  AppRouter,
  KyroApiKeyClient,
  KyroApiKeyInputs,
  KyroApiKeyOptions,
  KyroApiKeyRouter,
  KyroClient,
  KyroClientError,
  KyroClientOptions,
  KyroFetch,
  KyroHeaders,
  KyroInputs,
  KyroOutputs,
  KyroSessionOptions,
  KyroSessionRouter,
  KyroTokens,
} from "./types";
export * from "./widget";

/** Narrows a caught error to a failed Kyro call, whose `data.code` names the error (e.g. `"FORBIDDEN"`). */
export function isKyroClientError(error: unknown): error is KyroClientError {
  return error instanceof TRPCClientError;
}
