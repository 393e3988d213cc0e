import { type Executor, eq, modelPricing, sql, type UsageKind, usageDaily, usageEvents } from "@kyro/db";

/** One model call's consumption, as the provider reported it. */
export interface ModelUsage {
  providerId: string;
  model: string;
  kind: UsageKind;
  inputTokens: number;
  outputTokens: number;
}

export interface UsageScope {
  orgId: string;
  botId: string | null;
  conversationId?: string | null;
  messageId?: string | null;
  userId?: string | null;
  /** The API key the call was made with, for the per-key usage views. */
  apiKeyId?: string | null;
  endUserId?: string | null;
}

/** Cost in millionths of a dollar: prices are per million tokens, so tokens × price / 10⁶, rounded half up. */
export function costMicros(
  usage: Pick<ModelUsage, "inputTokens" | "outputTokens">,
  price: { inputMicrosPerMillion: number; outputMicrosPerMillion: number } | undefined,
): number {
  if (!price) return 0;
  const scaled =
    usage.inputTokens * price.inputMicrosPerMillion + usage.outputTokens * price.outputMicrosPerMillion;
  return Math.round(scaled / 1_000_000);
}

/** Six decimals of US dollars, as the API shows money (`"0.001250"`). */
export const microsToUsd = (micros: number): string => {
  const sign = micros < 0 ? "-" : "";
  const absolute = Math.abs(micros);
  return `${sign}${Math.floor(absolute / 1_000_000)}.${String(absolute % 1_000_000).padStart(6, "0")}`;
};

/**
 * Writes the usage event and adds its tokens and cost to the day's rollup row, in the caller's
 * transaction (the one storing what the call produced), priced from `model_pricing` as it is now.
 */
export async function recordModelUsage(tx: Executor, scope: UsageScope, usage: ModelUsage, now = new Date()) {
  const [price] = await tx
    .select({
      inputMicrosPerMillion: modelPricing.inputMicrosPerMillion,
      outputMicrosPerMillion: modelPricing.outputMicrosPerMillion,
    })
    .from(modelPricing)
    .where(eq(modelPricing.model, usage.model))
    .limit(1);
  const cost = costMicros(usage, price);
  await tx.insert(usageEvents).values({
    orgId: scope.orgId,
    botId: scope.botId,
    conversationId: scope.conversationId ?? null,
    messageId: scope.messageId ?? null,
    userId: scope.userId ?? null,
    apiKeyId: scope.apiKeyId ?? null,
    endUserId: scope.endUserId ?? null,
    providerId: usage.providerId,
    model: usage.model,
    kind: usage.kind,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costMicros: cost,
    createdAt: now,
  });
  await tx
    .insert(usageDaily)
    .values({
      orgId: scope.orgId,
      botId: scope.botId,
      day: now.toISOString().slice(0, 10),
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costMicros: cost,
    })
    .onConflictDoUpdate({
      target: [usageDaily.orgId, usageDaily.botId, usageDaily.day],
      set: {
        inputTokens: sql`${usageDaily.inputTokens} + excluded.input_tokens`,
        outputTokens: sql`${usageDaily.outputTokens} + excluded.output_tokens`,
        costMicros: sql`${usageDaily.costMicros} + excluded.cost_micros`,
        updatedAt: now,
      },
    });
  return { costMicros: cost };
}
