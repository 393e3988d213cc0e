import { and, apiKeys, bots, desc, type Executor, eq, isNull, users } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { conflict, notFound } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import type { OrgScope, UserOrgScope } from "../../core/org-scope";
import { decodeOffset, offsetPageOf, type PageInput } from "../../core/pagination";
import { API_KEY_PREFIX, type UserPrincipal } from "../../core/principal";
import { mintApiKey } from "./key-format";
import type {
  ApiKeyStatus,
  ApiKeyView,
  ApiKeyWithSecret,
  CreateApiKeyInput,
  KeyTargetInput,
  RotateApiKeyInput,
} from "./schemas";
import { scopesOfKey } from "./verifier";

/** Keys are managed by people only: no API key scope grants `keys:manage`. */
export interface ApiKeysContext {
  deps: AppDeps;
  audit: AuditScope;
  principal: UserPrincipal;
  org: UserOrgScope;
}

const RESOURCE = "api_key";

/** The listed columns; the hashes never leave the database. */
function selectKeys(db: Executor, orgId: string, keyId?: string) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      last4: apiKeys.last4,
      scopes: apiKeys.scopes,
      botId: apiKeys.botId,
      creatorId: users.id,
      creatorEmail: users.email,
      createdAt: apiKeys.createdAt,
      expiresAt: apiKeys.expiresAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(and(eq(apiKeys.orgId, orgId), keyId === undefined ? undefined : eq(apiKeys.id, keyId)))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

type ListedRow = Awaited<ReturnType<typeof selectKeys>>[number];

function statusOf(key: { revokedAt: Date | null; expiresAt: Date | null }, now: number): ApiKeyStatus {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt.getTime() <= now) return "expired";
  return "active";
}

function toView(row: ListedRow, now = Date.now()): ApiKeyView {
  // One literal: every view gets one hidden class (a spread plus more properties gives each its own).
  return {
    id: row.id,
    name: row.name,
    last4: row.last4,
    scopes: scopesOfKey(row.scopes, row.botId),
    botId: row.botId,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    prefix: API_KEY_PREFIX,
    createdBy: row.creatorId && row.creatorEmail ? { id: row.creatorId, email: row.creatorEmail } : null,
    status: statusOf(row, now),
  };
}

async function viewOf(db: Executor, orgId: string, keyId: string): Promise<ApiKeyView> {
  const [row] = await selectKeys(db, orgId, keyId);
  if (!row) throw notFound("API key");
  return toView(row);
}

/** Locks the key for a change; another org's key id answers NOT_FOUND like an unknown one. */
async function lockKey(tx: Executor, orgId: string, keyId: string) {
  const [key] = await tx
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      keyHash: apiKeys.keyHash,
      last4: apiKeys.last4,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.orgId, orgId)))
    .for("update");
  if (!key) throw notFound("API key");
  return key;
}

/**
 * A key may be restricted only to a live bot of its own org: another org's bot, an unknown id and a
 * deleted bot answer NOT_FOUND alike, so bot ids cannot be probed.
 */
async function assertLiveOrgBot(tx: Executor, orgId: string, botId: string): Promise<void> {
  const [bot] = await tx
    .select({ id: bots.id })
    .from(bots)
    .where(and(eq(bots.id, botId), eq(bots.orgId, orgId), isNull(bots.deletedAt)))
    .limit(1);
  if (!bot) throw notFound("Bot");
}

export async function createApiKey(ctx: ApiKeysContext, input: CreateApiKeyInput): Promise<ApiKeyWithSecret> {
  const { orgId } = ctx.org;
  const minted = mintApiKey(ctx.deps.hmacKeys.apiKey);
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
  const botId = input.botId ?? null;
  return ctx.deps.db.transaction(async (tx) => {
    if (botId !== null) await assertLiveOrgBot(tx, orgId, botId);
    const [created] = await tx
      .insert(apiKeys)
      .values({
        orgId,
        name: input.name,
        keyHash: minted.keyHash,
        last4: minted.last4,
        scopes: input.scopes,
        botId,
        createdBy: ctx.principal.userId,
        expiresAt,
      })
      .returning({ id: apiKeys.id, createdAt: apiKeys.createdAt });
    if (!created) throw new Error("api key insert returned no row");
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "api_key.created",
      resourceType: RESOURCE,
      resourceId: created.id,
      after: { name: input.name, scopes: input.scopes, botId, expiresAt, last4: minted.last4 },
    });
    await emitEvent(tx, {
      orgId,
      type: "api_key.created",
      data: {
        keyId: created.id,
        name: input.name,
        scopes: input.scopes,
        botId,
        expiresAt: expiresAt?.toISOString() ?? null,
      },
    });
    return {
      apiKey: {
        id: created.id,
        name: input.name,
        prefix: API_KEY_PREFIX,
        last4: minted.last4,
        scopes: input.scopes,
        botId,
        createdBy: { id: ctx.principal.userId, email: ctx.principal.email },
        createdAt: created.createdAt,
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
        status: "active",
      },
      key: minted.key,
    };
  });
}

/** Newest first; paged by offset, as the order is the creation time rather than the id. */
export async function listApiKeys(
  ctx: { deps: AppDeps; org: OrgScope },
  page: PageInput,
): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
  const rows = await selectKeys(ctx.deps.db, ctx.org.orgId)
    .limit(page.limit + 1)
    .offset(decodeOffset(page.cursor));
  const now = Date.now();
  const { items, nextCursor } = offsetPageOf(rows, page);
  return { items: items.map((row) => toView(row, now)), nextCursor };
}

/**
 * Replaces the secret. With a grace period the replaced secret keeps working until it ends, so clients
 * can be redeployed without downtime; a second rotation within the grace period ends the first one's
 * old secret at once (only one previous secret is kept).
 */
export async function rotateApiKey(ctx: ApiKeysContext, input: RotateApiKeyInput): Promise<ApiKeyWithSecret> {
  const { orgId } = ctx.org;
  const minted = mintApiKey(ctx.deps.hmacKeys.apiKey);
  const result = await ctx.deps.db.transaction(async (tx) => {
    const current = await lockKey(tx, orgId, input.keyId);
    const now = Date.now();
    if (current.revokedAt) throw conflict("key_revoked", "This API key has been revoked; create a new one");
    if (current.expiresAt && current.expiresAt.getTime() <= now) {
      throw conflict("key_expired", "This API key has expired; create a new one");
    }
    const graceEnd = input.gracePeriodSeconds > 0 ? new Date(now + input.gracePeriodSeconds * 1000) : null;
    await tx
      .update(apiKeys)
      .set({
        keyHash: minted.keyHash,
        last4: minted.last4,
        previousKeyHash: graceEnd ? current.keyHash : null,
        previousKeyExpiresAt: graceEnd,
      })
      .where(and(eq(apiKeys.id, current.id), eq(apiKeys.orgId, orgId)));
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "api_key.rotated",
      resourceType: RESOURCE,
      resourceId: current.id,
      before: { name: current.name, last4: current.last4 },
      after: {
        name: current.name,
        last4: minted.last4,
        gracePeriodSeconds: input.gracePeriodSeconds,
        previousKeyExpiresAt: graceEnd,
      },
    });
    return { apiKey: await viewOf(tx, orgId, current.id), key: minted.key };
  });
  await ctx.deps.apiKeys.invalidate(input.keyId);
  return result;
}

/** Takes effect at once on every process. Revoking a revoked key changes nothing and is not audited again. */
export async function revokeApiKey(
  ctx: ApiKeysContext,
  input: KeyTargetInput,
): Promise<{ apiKey: ApiKeyView }> {
  const { orgId } = ctx.org;
  const apiKey = await ctx.deps.db.transaction(async (tx) => {
    const current = await lockKey(tx, orgId, input.keyId);
    if (current.revokedAt) return viewOf(tx, orgId, current.id);
    const revokedAt = new Date();
    await tx
      .update(apiKeys)
      .set({ revokedAt, previousKeyHash: null, previousKeyExpiresAt: null })
      .where(and(eq(apiKeys.id, current.id), eq(apiKeys.orgId, orgId)));
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "api_key.revoked",
      resourceType: RESOURCE,
      resourceId: current.id,
      after: { name: current.name, last4: current.last4, revokedAt },
    });
    await emitEvent(tx, { orgId, type: "api_key.revoked", data: { keyId: current.id, name: current.name } });
    return viewOf(tx, orgId, current.id);
  });
  await ctx.deps.apiKeys.invalidate(input.keyId);
  return { apiKey };
}
