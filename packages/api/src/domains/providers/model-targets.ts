import { aiProviders, and, eq } from "@kyro/db";
import type OpenAI from "openai";
import { type Cache, coversOrg, createCache, orgScopedKey } from "../../core/cache";
import type { CacheInvalidation } from "../../core/cache-invalidation";
import type { AppDeps } from "../../core/deps";
import { type ModelTarget, modelClient } from "./model-client";

declare module "../../core/deps" {
  interface AppDeps {
    /** Each org's providers resolved for model calls, key decrypted and client built (cached, dropped on change). */
    modelTargets: ModelTargetCache;
  }
}

export type ResolvedTarget = ModelTarget & { chatModel: string; embeddingModel: string | null };

/** A provider ready for calls: where they go, and the client built for it (keeps its connections). */
export interface ResolvedModel {
  target: ResolvedTarget;
  client: OpenAI;
}

export type ModelTargetCache = Cache<ResolvedModel | null>;

/**
 * Bounds how long a process without the invalidation message (Redis down) keeps calling with a rotated
 * key or a deleted provider; "no provider" is kept for less, so a new one is used soon everywhere.
 */
export const MODEL_TARGET_TTL_MS = 60_000;
export const NO_MODEL_TARGET_TTL_MS = 10_000;

/** Keyed by org and provider (empty: the org's default); a change drops the org's entries. */
export function createModelTargetCache(options: {
  invalidation?: CacheInvalidation;
  now?: () => number;
}): ModelTargetCache {
  return createCache({
    ...options,
    name: "model-targets",
    ttlMs: MODEL_TARGET_TTL_MS,
    ttlOf: (resolved) => (resolved ? MODEL_TARGET_TTL_MS : NO_MODEL_TARGET_TTL_MS),
    maxEntries: 5_000,
    covers: coversOrg,
  });
}

/** Additional authenticated data of a key: a ciphertext copied to another row fails to decrypt. */
export const keyContext = (providerId: string) => `ai_provider:${providerId}:key`;

/** The stored form of a key: encrypted to its provider, and its last four characters for display. */
export function keyColumns(deps: AppDeps, providerId: string, apiKey: string) {
  return {
    keyCiphertext: deps.encryption.encrypt(apiKey, keyContext(providerId)),
    keyLast4: apiKey.length >= 12 ? apiKey.slice(-4) : "",
  };
}

/**
 * The provider a call goes to, key decrypted, read now: the one named, else the org's default; null
 * when the org has none (the Q/A responder answers then).
 */
export async function modelTargetOf(
  deps: AppDeps,
  orgId: string,
  providerId: string | null,
): Promise<ResolvedTarget | null> {
  const [row] = await deps.db
    .select({
      id: aiProviders.id,
      baseUrl: aiProviders.baseUrl,
      keyCiphertext: aiProviders.keyCiphertext,
      chatModel: aiProviders.chatModel,
      embeddingModel: aiProviders.embeddingModel,
    })
    .from(aiProviders)
    .where(
      and(
        eq(aiProviders.orgId, orgId),
        providerId ? eq(aiProviders.id, providerId) : eq(aiProviders.isDefault, true),
      ),
    )
    .limit(1);
  if (!row) return null;
  return {
    providerId: row.id,
    baseUrl: row.baseUrl,
    apiKey: deps.encryption.decrypt(row.keyCiphertext, keyContext(row.id)),
    chatModel: row.chatModel,
    embeddingModel: row.embeddingModel,
  };
}

/**
 * What every answer needs first: the provider, its key and a client. Reading the row, decrypting the
 * key and building a client per message cost a round trip and a new client (with its own connection
 * setup) before the first token, so they come from the cache, which every provider change drops.
 */
export function resolveModel(
  deps: AppDeps,
  orgId: string,
  providerId: string | null,
): Promise<ResolvedModel | null> {
  return deps.modelTargets.get(orgScopedKey(orgId, providerId ?? ""), async () => {
    const target = await modelTargetOf(deps, orgId, providerId);
    return target ? { target, client: modelClient(deps, target) } : null;
  });
}

/**
 * Runs a change to the org's providers, then drops its resolved providers here and on every other
 * process. After the change, not before: a call in between would cache the old state again.
 */
export async function changingProviders<T>(
  deps: AppDeps,
  orgId: string,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } finally {
    await deps.modelTargets.invalidate(orgId);
  }
}
