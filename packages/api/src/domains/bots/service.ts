import { and, bots, botVersions, type Executor, eq, isNull, sql, users } from "@kyro/db";
import { randomToken } from "@kyro/platform";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { AppError, forbidden, invalidField, notFound } from "../../core/errors";
import { assertBotAccess, type OrgScope } from "../../core/org-scope";
import { type PageInput, pageOfArray } from "../../core/pagination";
import type { Principal } from "../../core/principal";
import {
  applyConfigPatch,
  type BotConfig,
  DEFAULT_BOT_CONFIG,
  parseBotConfig,
  storedBotConfig,
} from "../shared/bot-config";
import { changingLiveWidgets } from "../widget/index";
import {
  BOT_RETENTION_DAYS,
  type BotTargetInput,
  type BotView,
  type CreateBotInput,
  type UpdateBotInput,
} from "./schemas";
import { BOT_TEMPLATES, findTemplate } from "./templates";

export interface BotsContext {
  deps: AppDeps;
  audit: AuditScope;
  principal: Principal;
  org: OrgScope;
}

export const BOT_RESOURCE = "bot";
export const IDENTITY_SECRET_PREFIX = "kyro_id_";
const DAY_MS = 86_400_000;

/** The oldest deletion time that can still be restored. */
export const restoreWindowStart = (now = Date.now()) => new Date(now - BOT_RETENTION_DAYS * DAY_MS);

/** Bots are created by people or unrestricted keys; a key confined to one bot cannot add bots. */
export function assertMayCreate(principal: Principal): void {
  if (principal.kind === "apiKey" && principal.botId !== null) {
    throw forbidden("bot_restricted", "This API key is restricted to one bot and cannot create bots");
  }
}

export const creatorOf = (principal: Principal) => (principal.kind === "user" ? principal.userId : null);

/** The listed columns: the identity secret never leaves the database here. */
export function selectBots(db: Executor) {
  return db
    .select({
      id: bots.id,
      name: bots.name,
      description: bots.description,
      status: bots.status,
      config: bots.config,
      templateId: bots.templateId,
      currentVersionId: bots.currentVersionId,
      currentVersion: botVersions.version,
      // Aliased: compiled statements read driver rows by column name, and bots.id is `id` too.
      creatorId: sql<string | null>`${users.id}`.as("creator_id"),
      creatorEmail: users.email,
      createdAt: bots.createdAt,
      updatedAt: bots.updatedAt,
      deletedAt: bots.deletedAt,
    })
    .from(bots)
    .leftJoin(botVersions, eq(botVersions.id, bots.currentVersionId))
    .leftJoin(users, eq(users.id, bots.createdBy));
}

type BotRow = Awaited<ReturnType<ReturnType<typeof selectBots>["where"]>>[number];

/**
 * One object literal, every field in the schema's order: every view shares one hidden class, which
 * keeps output validation and JSON.stringify monomorphic (a spread followed by more properties gave
 * each view a shape of its own). The config gets its defaults here and is validated once, by the
 * procedure's output schema.
 */
export function toView(row: BotRow): BotView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    config: storedBotConfig(row.config),
    templateId: row.templateId,
    currentVersionId: row.currentVersionId,
    currentVersion: row.currentVersion,
    createdBy: row.creatorId && row.creatorEmail ? { id: row.creatorId, email: row.creatorEmail } : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
    purgeAt: row.deletedAt ? new Date(row.deletedAt.getTime() + BOT_RETENTION_DAYS * DAY_MS) : null,
  };
}

/** A bot of the org, including deleted ones (callers decide what a deleted bot means). */
export async function viewOf(db: Executor, orgId: string, botId: string): Promise<BotView> {
  const [row] = await selectBots(db).where(and(eq(bots.id, botId), eq(bots.orgId, orgId)));
  if (!row) throw notFound("Bot");
  return toView(row);
}

/**
 * Locks a bot for a change. Another org's bot, another bot than a restricted key's, and a deleted bot
 * all answer NOT_FOUND (a deleted bot is gone everywhere but `restore`).
 */
export async function lockLiveBot(tx: Executor, ctx: BotsContext, botId: string) {
  assertBotAccess(ctx.principal, botId);
  const [bot] = await tx
    .select({
      id: bots.id,
      name: bots.name,
      description: bots.description,
      status: bots.status,
      config: bots.config,
      templateId: bots.templateId,
      currentVersionId: bots.currentVersionId,
    })
    .from(bots)
    .where(and(eq(bots.id, botId), eq(bots.orgId, ctx.org.orgId), isNull(bots.deletedAt)))
    .for("update");
  if (!bot) throw notFound("Bot");
  return { ...bot, config: parseBotConfig(bot.config) };
}

/** What the audit log keeps of a bot (the identity secret is never part of it). */
export const auditSnapshot = (bot: {
  name: string;
  description: string;
  status: string;
  config: BotConfig;
}) => ({
  name: bot.name,
  description: bot.description,
  status: bot.status,
  config: bot.config,
});

export function listTemplates(page: PageInput) {
  return pageOfArray(
    BOT_TEMPLATES.map((template) => ({ ...template })),
    page,
  );
}

export async function createBot(ctx: BotsContext, input: CreateBotInput): Promise<{ bot: BotView }> {
  assertMayCreate(ctx.principal);
  const template = input.templateId === undefined ? undefined : findTemplate(input.templateId);
  if (input.templateId !== undefined && !template) {
    const known = BOT_TEMPLATES.map((entry) => entry.id).join(", ");
    throw invalidField("templateId", `Unknown template; one of ${known}`, "unknown_template");
  }
  const name = input.name ?? template?.name;
  if (!name) throw new AppError("BAD_REQUEST", "Name is required (or start from a template)");
  const config = applyConfigPatch(template?.config ?? DEFAULT_BOT_CONFIG, input.config ?? {});
  const { orgId } = ctx.org;
  return changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(bots)
        .values({
          orgId,
          name,
          description: input.description ?? template?.description ?? "",
          status: input.status ?? "draft",
          config,
          templateId: template?.id ?? null,
          identitySecret: randomToken(IDENTITY_SECRET_PREFIX),
          createdBy: creatorOf(ctx.principal),
        })
        .returning({ id: bots.id });
      if (!created) throw new Error("bot insert returned no row");
      const bot = await viewOf(tx, orgId, created.id);
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "bot.created",
        resourceType: BOT_RESOURCE,
        resourceId: created.id,
        after: { ...auditSnapshot(bot), templateId: bot.templateId },
      });
      return { bot };
    }),
  );
}

export async function getBot(
  ctx: Omit<BotsContext, "audit">,
  input: BotTargetInput,
): Promise<{ bot: BotView }> {
  assertBotAccess(ctx.principal, input.botId);
  const bot = await viewOf(ctx.deps.db, ctx.org.orgId, input.botId);
  if (bot.deletedAt) throw notFound("Bot");
  return { bot };
}

/** Changes only what is given; a call that changes nothing is not audited. */
export async function updateBot(ctx: BotsContext, input: UpdateBotInput): Promise<{ bot: BotView }> {
  const { orgId } = ctx.org;
  return changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const current = await lockLiveBot(tx, ctx, input.botId);
      const next = {
        name: input.name ?? current.name,
        description: input.description ?? current.description,
        status: input.status ?? current.status,
        config: input.config ? applyConfigPatch(current.config, input.config) : current.config,
      };
      const before = auditSnapshot(current);
      const after = auditSnapshot(next);
      const changed = (Object.keys(after) as (keyof typeof after)[]).filter(
        (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
      );
      if (changed.length === 0) return { bot: await viewOf(tx, orgId, current.id) };
      await tx
        .update(bots)
        .set({ ...next, updatedAt: new Date() })
        .where(and(eq(bots.id, current.id), eq(bots.orgId, orgId)));
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "bot.updated",
        resourceType: BOT_RESOURCE,
        resourceId: current.id,
        before: Object.fromEntries(changed.map((field) => [field, before[field]])),
        after: Object.fromEntries(changed.map((field) => [field, after[field]])),
      });
      return { bot: await viewOf(tx, orgId, current.id) };
    }),
  );
}
