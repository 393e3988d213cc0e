import { TRPCClientError } from "@trpc/client";
import type { KyroClientError } from "./types";

export { createKyroClient } from "./client";
export type {
  AppRouter,
  KyroApiKeyOptions,
  KyroClient,
  KyroClientError,
  KyroClientOptions,
  KyroFetch,
  KyroHeaders,
  KyroInputs,
  KyroOutputs,
  KyroSessionOptions,
  KyroTokens,
} from "./types";

/** Narrows a caught error to a failed Kyro call, whose `data.code` names the error (e.g. `"FORBIDDEN"`). */
export function isKyroClientError(error: unknown): error is KyroClientError {
  return error instanceof TRPCClientError;
}
