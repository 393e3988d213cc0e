import { aiProviders, and, eq } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { notFound } from "../../core/errors";
import { describeModelError, modelClient, providerUnusable } from "./model-client";
import { modelTargetOf } from "./model-targets";
import type { ListModelsInput } from "./schemas";
import { PROVIDER_RESOURCE, type ProvidersContext, selectProvider } from "./service";

async function requireTarget(ctx: ProvidersContext, providerId: string) {
  const target = await modelTargetOf(ctx.deps, ctx.org.orgId, providerId);
  if (!target) throw notFound("Provider");
  return target;
}

/**
 * Lists the provider's models as a probe; the result (and why it failed) is kept on the provider and
 * audited with it, as `integrations.test` does.
 */
export async function testProvider(ctx: ProvidersContext, providerId: string) {
  const target = await requireTarget(ctx, providerId);
  const started = performance.now();
  let error: string | null = null;
  try {
    await modelClient(ctx.deps, target).models.list();
  } catch (failure) {
    error = describeModelError(failure);
  }
  const latencyMs = Math.round(performance.now() - started);
  const test = { ok: error === null, latencyMs, error };
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    await tx
      .update(aiProviders)
      .set({ lastTestAt: new Date(), lastTestError: error })
      .where(and(eq(aiProviders.orgId, orgId), eq(aiProviders.id, providerId)));
    const provider = await selectProvider(tx, orgId, providerId);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "ai_provider.test",
      resourceType: PROVIDER_RESOURCE,
      resourceId: providerId,
      after: test,
    });
    return { provider, test };
  });
}

/** The provider's own model list, sorted by id and paged by id. */
export async function listProviderModels(ctx: ProvidersContext, input: ListModelsInput) {
  const target = await requireTarget(ctx, input.providerId);
  let ids: { id: string; ownedBy: string | null }[];
  try {
    const page = await modelClient(ctx.deps, target).models.list();
    ids = page.data.map((model) => ({ id: model.id, ownedBy: model.owned_by ?? null }));
  } catch (failure) {
    throw providerUnusable(failure);
  }
  ids.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const after = input.cursor ? Buffer.from(input.cursor, "base64url").toString("utf8") : null;
  const rest = after === null ? ids : ids.filter((model) => model.id > after);
  const items = rest.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rest.length > input.limit && last ? Buffer.from(last.id).toString("base64url") : null,
  };
}
