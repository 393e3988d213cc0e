import { aiProviders, and, eq } from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import type { ModelTarget } from "./model-client";

/** Additional authenticated data of a key: a ciphertext copied to another row fails to decrypt. */
const keyContext = (providerId: string) => `ai_provider:${providerId}:key`;

export function keyColumns(deps: AppDeps, providerId: string, apiKey: string) {
  return {
    keyCiphertext: deps.encryption.encrypt(apiKey, keyContext(providerId)),
    keyLast4: apiKey.length >= 12 ? apiKey.slice(-4) : "",
  };
}

/**
 * The provider a call goes to, key decrypted: the one named, else the org's default; null when the org
 * has none (the Q/A responder answers then).
 */
export async function modelTargetOf(
  deps: AppDeps,
  orgId: string,
  providerId: string | null,
): Promise<(ModelTarget & { chatModel: string; embeddingModel: string | null }) | null> {
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
