import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  lt,
  modelPricing,
  type SQL,
  sql,
  usageDaily,
  usageEvents,
} from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { invalidField } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import { decodeCursor, pageOf } from "../../core/pagination";
import { modelName } from "../providers/index";
import { microsToUsd } from "./record";
import type { SetPricingInput, UsageDailyInput, UsageSummaryInput } from "./schemas";

interface UsageContext {
  deps: AppDeps;
  org: OrgScope;
}

const DAY_MS = 86_400_000;
const totals = {
  calls: sql<number>`count(*)`.mapWith(Number),
  inputTokens: sql<number>`coalesce(sum(${usageEvents.inputTokens}), 0)`.mapWith(Number),
  outputTokens: sql<number>`coalesce(sum(${usageEvents.outputTokens}), 0)`.mapWith(Number),
  costMicros: sql<number>`coalesce(sum(${usageEvents.costMicros}), 0)`.mapWith(Number),
};
const withUsd = <Row extends { costMicros: number }>({ costMicros, ...row }: Row) => ({
  ...row,
  costUsd: microsToUsd(costMicros),
});

/** Model calls, tokens and cost over a window, in total and per model and bot, from the usage events. */
export async function usageSummary(ctx: UsageContext, input: UsageSummaryInput) {
  const to = input.to ? new Date(input.to) : new Date();
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - 30 * DAY_MS);
  const where = and(
    eq(usageEvents.orgId, ctx.org.orgId),
    gte(usageEvents.createdAt, from),
    lt(usageEvents.createdAt, to),
    input.botId ? eq(usageEvents.botId, input.botId) : undefined,
  );
  const { db } = ctx.deps;
  const [all, byModel, byBot] = await Promise.all([
    db.select(totals).from(usageEvents).where(where),
    db
      .select({ model: usageEvents.model, ...totals })
      .from(usageEvents)
      .where(where)
      .groupBy(usageEvents.model)
      .orderBy(asc(usageEvents.model)),
    db
      .select({ botId: usageEvents.botId, ...totals })
      .from(usageEvents)
      .where(where)
      .groupBy(usageEvents.botId)
      .orderBy(asc(usageEvents.botId)),
  ]);
  const overall = all[0] ?? { calls: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
  return {
    summary: { from, to, ...withUsd(overall), byModel: byModel.map(withUsd), byBot: byBot.map(withUsd) },
  };
}

/** The daily rollup (requests, messages, tokens, cost) per bot, newest row first. */
export async function usageByDay(ctx: UsageContext, input: UsageDailyInput) {
  const where: SQL[] = [eq(usageDaily.orgId, ctx.org.orgId)];
  if (input.botId) where.push(eq(usageDaily.botId, input.botId));
  if (input.cursor) where.push(lt(usageDaily.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select({
      id: usageDaily.id,
      day: usageDaily.day,
      botId: usageDaily.botId,
      requests: usageDaily.requests,
      messages: usageDaily.messages,
      inputTokens: usageDaily.inputTokens,
      outputTokens: usageDaily.outputTokens,
      costMicros: usageDaily.costMicros,
    })
    .from(usageDaily)
    .where(and(...where))
    .orderBy(desc(usageDaily.id))
    .limit(input.limit + 1);
  const page = pageOf(rows, input.limit);
  return { items: page.items.map(withUsd), nextCursor: page.nextCursor };
}

/** `"0.15"` → 150000 micro-dollars: decimal text to an integer without floating point. */
function usdToMicros(text: string): number {
  const [whole = "0", fraction = ""] = text.split(".");
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, "0"));
}

const PRICE_COLUMNS = {
  model: modelPricing.model,
  inputMicrosPerMillion: modelPricing.inputMicrosPerMillion,
  outputMicrosPerMillion: modelPricing.outputMicrosPerMillion,
  updatedAt: modelPricing.updatedAt,
};

function priceView(row: {
  model: string;
  inputMicrosPerMillion: number;
  outputMicrosPerMillion: number;
  updatedAt: Date;
}) {
  return {
    model: row.model,
    inputUsdPerMillion: microsToUsd(row.inputMicrosPerMillion),
    outputUsdPerMillion: microsToUsd(row.outputMicrosPerMillion),
    updatedAt: row.updatedAt,
  };
}

/**
 * The model name a pricing cursor carries. Only one the server minted is taken: a made-up cursor can
 * decode to bytes that are no model name (a NUL that Postgres refuses, invalid UTF-8), so it is 400.
 */
function modelAfter(cursor: string): string {
  const name = Buffer.from(cursor, "base64url").toString("utf8");
  if (Buffer.from(name).toString("base64url") !== cursor || !modelName.safeParse(name).success) {
    throw invalidField("cursor", "Invalid cursor");
  }
  return name;
}

/** Prices by model name; the cursor is the last model name of the page (base64url). */
export async function listPricing(deps: AppDeps, input: { cursor?: string; limit: number }) {
  const after = input.cursor ? modelAfter(input.cursor) : null;
  const rows = await deps.db
    .select(PRICE_COLUMNS)
    .from(modelPricing)
    .where(after === null ? undefined : gt(modelPricing.model, after))
    .orderBy(asc(modelPricing.model))
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(priceView),
    nextCursor: rows.length > input.limit && last ? Buffer.from(last.model).toString("base64url") : null,
  };
}

/** A platform operator sets a model's price; calls from then on are charged at it. Audited (no org). */
export async function setPricing(
  scope: { deps: AppDeps; audit: AuditScope; userId: string },
  input: SetPricingInput,
) {
  const values = {
    inputMicrosPerMillion: usdToMicros(input.inputUsdPerMillion),
    outputMicrosPerMillion: usdToMicros(input.outputUsdPerMillion),
    updatedBy: scope.userId,
    updatedAt: new Date(),
  };
  return scope.deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(modelPricing)
      .values({ model: input.model, ...values })
      .onConflictDoUpdate({ target: modelPricing.model, set: values })
      .returning(PRICE_COLUMNS);
    if (!row) throw new Error("upserting a price returned no row");
    const price = priceView(row);
    await recordAudit(tx, scope.audit, {
      orgId: null,
      action: "model_pricing.set",
      resourceType: "model_pricing",
      after: price,
    });
    return { price };
  });
}
