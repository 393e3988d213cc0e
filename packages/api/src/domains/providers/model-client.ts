import OpenAI from "openai";
import type { AppDeps } from "../../core/deps";
import { AppError } from "../../core/errors";
import "./settings";

/** Where a model call goes: the provider's base URL and its decrypted key. */
export interface ModelTarget {
  providerId: string;
  baseUrl: string;
  apiKey: string;
}

/**
 * The `openai` package rather than the Vercel AI SDK: one dependency without transitive ones that runs
 * on Node 20 (the AI SDK's current majors need Node 22), it speaks any OpenAI-compatible API, takes a
 * `fetch` (ours goes through the SSRF guard), and its retries back off and honour `Retry-After`.
 */
export function modelClient(deps: AppDeps, target: ModelTarget): OpenAI {
  return new OpenAI({
    baseURL: target.baseUrl,
    apiKey: target.apiKey,
    fetch: deps.outbound.fetch,
    maxRetries: deps.settings.ai.maxRetries,
    timeout: deps.settings.ai.callTimeoutMs,
  });
}

/** A provider failure in words safe to store and show to the org (never the key or the request). */
export function describeModelError(error: unknown): string {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return "The provider did not answer in time";
  if (error instanceof OpenAI.APIConnectionError) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return `Could not reach the provider${cause?.message ? `: ${cause.message}` : ""}`;
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status === undefined ? "" : ` (HTTP ${error.status})`;
    return `The provider refused the request${status}`;
  }
  return "The provider call failed";
}

/** For procedures that call the provider on the member's behalf (test, model list): a 422 with why. */
export function providerUnusable(error: unknown): AppError {
  return new AppError("UNPROCESSABLE_CONTENT", describeModelError(error), { reason: "provider_failed" });
}
