import { aiProviders, and, desc, type Executor, eq, lt, newId } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { AppError, isUniqueViolation, notFound } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import { assertOutboundUrl } from "../../core/outbound-url";
import { decodeCursor, pageOf } from "../../core/pagination";
import { changingProviders, keyColumns } from "./model-targets";
import type {
  CreateProviderInput,
  ListProvidersInput,
  ProviderView,
  RotateProviderKeyInput,
  UpdateProviderInput,
} from "./schemas";

export interface ProvidersContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
}

export const PROVIDER_RESOURCE = "ai_provider";

/** The columns people may see; the ciphertext is read only by `modelTargetOf`. */
const VIEW_COLUMNS = {
  id: aiProviders.id,
  name: aiProviders.name,
  baseUrl: aiProviders.baseUrl,
  keyLast4: aiProviders.keyLast4,
  chatModel: aiProviders.chatModel,
  embeddingModel: aiProviders.embeddingModel,
  isDefault: aiProviders.isDefault,
  lastTestAt: aiProviders.lastTestAt,
  lastTestError: aiProviders.lastTestError,
  createdAt: aiProviders.createdAt,
  updatedAt: aiProviders.updatedAt,
};

const nameConflict = () =>
  new AppError("CONFLICT", "A provider with this name already exists", {
    reason: "name_taken",
    field: "name",
  });

export async function selectProvider(db: Executor, orgId: string, providerId: string): Promise<ProviderView> {
  const [row] = await db
    .select(VIEW_COLUMNS)
    .from(aiProviders)
    .where(and(eq(aiProviders.orgId, orgId), eq(aiProviders.id, providerId)))
    .limit(1);
  if (!row) throw notFound("Provider");
  return row;
}

async function lockProvider(tx: Executor, orgId: string, providerId: string): Promise<ProviderView> {
  const [locked] = await tx
    .select({ id: aiProviders.id })
    .from(aiProviders)
    .where(and(eq(aiProviders.orgId, orgId), eq(aiProviders.id, providerId)))
    .for("update");
  if (!locked) throw notFound("Provider");
  return selectProvider(tx, orgId, providerId);
}

export async function createProvider(ctx: ProvidersContext, input: CreateProviderInput) {
  assertOutboundUrl(ctx.deps, input.baseUrl, "baseUrl");
  const id = newId();
  const { orgId } = ctx.org;
  try {
    return await changingProviders(ctx.deps, orgId, () =>
      ctx.deps.db.transaction(async (tx) => {
        const [existing] = await tx
          .select({ id: aiProviders.id })
          .from(aiProviders)
          .where(and(eq(aiProviders.orgId, orgId), eq(aiProviders.isDefault, true)))
          .for("update");
        const isDefault = !existing || input.isDefault === true;
        if (existing && isDefault) {
          await tx.update(aiProviders).set({ isDefault: false }).where(eq(aiProviders.id, existing.id));
        }
        await tx.insert(aiProviders).values({
          id,
          orgId,
          name: input.name,
          baseUrl: input.baseUrl,
          chatModel: input.chatModel,
          embeddingModel: input.embeddingModel ?? null,
          isDefault,
          ...keyColumns(ctx.deps, id, input.apiKey),
        });
        const provider = await selectProvider(tx, orgId, id);
        await recordAudit(tx, ctx.audit, {
          orgId,
          action: "ai_provider.create",
          resourceType: PROVIDER_RESOURCE,
          resourceId: id,
          after: provider,
        });
        return { provider };
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict();
    throw error;
  }
}

export async function listProviders(ctx: ProvidersContext, input: ListProvidersInput) {
  const where = [eq(aiProviders.orgId, ctx.org.orgId)];
  if (input.cursor) where.push(lt(aiProviders.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(VIEW_COLUMNS)
    .from(aiProviders)
    .where(and(...where))
    .orderBy(desc(aiProviders.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}

export async function getProvider(ctx: ProvidersContext, providerId: string) {
  return { provider: await selectProvider(ctx.deps.db, ctx.org.orgId, providerId) };
}

async function mutate(
  ctx: ProvidersContext,
  providerId: string,
  action: string,
  change: (tx: Executor, before: ProviderView) => Promise<void>,
) {
  const { orgId } = ctx.org;
  try {
    return await changingProviders(ctx.deps, orgId, () =>
      ctx.deps.db.transaction(async (tx) => {
        const before = await lockProvider(tx, orgId, providerId);
        await change(tx, before);
        const provider = await selectProvider(tx, orgId, providerId);
        await recordAudit(tx, ctx.audit, {
          orgId,
          action,
          resourceType: PROVIDER_RESOURCE,
          resourceId: providerId,
          before,
          after: provider,
        });
        return { provider };
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict();
    throw error;
  }
}

export function updateProvider(ctx: ProvidersContext, input: UpdateProviderInput) {
  if (input.baseUrl !== undefined) assertOutboundUrl(ctx.deps, input.baseUrl, "baseUrl");
  return mutate(ctx, input.providerId, "ai_provider.update", async (tx) => {
    await tx
      .update(aiProviders)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.baseUrl !== undefined
          ? { baseUrl: input.baseUrl, lastTestAt: null, lastTestError: null }
          : {}),
        ...(input.chatModel !== undefined ? { chatModel: input.chatModel } : {}),
        ...(input.embeddingModel !== undefined ? { embeddingModel: input.embeddingModel } : {}),
        updatedAt: new Date(),
      })
      .where(eq(aiProviders.id, input.providerId));
  });
}

export function rotateProviderKey(ctx: ProvidersContext, input: RotateProviderKeyInput) {
  return mutate(ctx, input.providerId, "ai_provider.rotate_key", async (tx) => {
    await tx
      .update(aiProviders)
      .set({ ...keyColumns(ctx.deps, input.providerId, input.apiKey), lastTestAt: null, lastTestError: null })
      .where(eq(aiProviders.id, input.providerId));
  });
}

export function setDefaultProvider(ctx: ProvidersContext, providerId: string) {
  return mutate(ctx, providerId, "ai_provider.set_default", async (tx) => {
    // Cleared first: the partial unique index allows one default per org at any moment.
    await tx
      .update(aiProviders)
      .set({ isDefault: false })
      .where(and(eq(aiProviders.orgId, ctx.org.orgId), eq(aiProviders.isDefault, true)));
    await tx.update(aiProviders).set({ isDefault: true }).where(eq(aiProviders.id, providerId));
  });
}

/** Deleting the default leaves the org without one until another is set (bots then answer from Q/A only). */
export async function deleteProvider(ctx: ProvidersContext, providerId: string): Promise<void> {
  const { orgId } = ctx.org;
  await changingProviders(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const before = await lockProvider(tx, orgId, providerId);
      await tx.delete(aiProviders).where(eq(aiProviders.id, providerId));
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "ai_provider.delete",
        resourceType: PROVIDER_RESOURCE,
        resourceId: providerId,
        before,
      });
    }),
  );
}
