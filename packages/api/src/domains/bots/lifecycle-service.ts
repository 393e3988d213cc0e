import { and, bots, eq, widgetSettings } from "@kyro/db";
import { randomToken } from "@kyro/platform";
import { recordAudit } from "../../core/audit-log";
import { conflict, notFound } from "../../core/errors";
import { assertBotAccess } from "../../core/org-scope";
import { changingLiveWidgets } from "../widget/index";
import type { BotTargetInput, BotView, CloneBotInput } from "./schemas";
import {
  assertMayCreate,
  auditSnapshot,
  BOT_RESOURCE,
  type BotsContext,
  creatorOf,
  IDENTITY_SECRET_PREFIX,
  lockLiveBot,
  restoreWindowStart,
  viewOf,
} from "./service";

/** Soft delete: the bot disappears at once (404 everywhere, widget included) and is purged after the window. */
export async function deleteBot(ctx: BotsContext, input: BotTargetInput): Promise<{ bot: BotView }> {
  const { orgId } = ctx.org;
  return changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const current = await lockLiveBot(tx, ctx, input.botId);
      const deletedAt = new Date();
      await tx
        .update(bots)
        .set({ deletedAt, updatedAt: deletedAt })
        .where(and(eq(bots.id, current.id), eq(bots.orgId, orgId)));
      const bot = await viewOf(tx, orgId, current.id);
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "bot.deleted",
        resourceType: BOT_RESOURCE,
        resourceId: current.id,
        before: { name: current.name, status: current.status },
        after: { deletedAt, purgeAt: bot.purgeAt },
      });
      return { bot };
    }),
  );
}

/** Brings a soft-deleted bot back within the restore window; a live bot is a CONFLICT, an expired one NOT_FOUND. */
export async function restoreBot(ctx: BotsContext, input: BotTargetInput): Promise<{ bot: BotView }> {
  assertBotAccess(ctx.principal, input.botId);
  const { orgId } = ctx.org;
  return changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ id: bots.id, name: bots.name, deletedAt: bots.deletedAt })
        .from(bots)
        .where(and(eq(bots.id, input.botId), eq(bots.orgId, orgId)))
        .for("update");
      if (!current) throw notFound("Bot");
      if (!current.deletedAt) throw conflict("not_deleted", "This bot is not deleted");
      if (current.deletedAt <= restoreWindowStart()) throw notFound("Bot");
      await tx
        .update(bots)
        .set({ deletedAt: null, updatedAt: new Date() })
        .where(and(eq(bots.id, current.id), eq(bots.orgId, orgId)));
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "bot.restored",
        resourceType: BOT_RESOURCE,
        resourceId: current.id,
        before: { name: current.name, deletedAt: current.deletedAt },
        after: { deletedAt: null },
      });
      return { bot: await viewOf(tx, orgId, current.id) };
    }),
  );
}

/**
 * A new draft bot with the source's description, config and widget overrides, and its own identity
 * secret; published versions stay with the source.
 */
export async function cloneBot(ctx: BotsContext, input: CloneBotInput): Promise<{ bot: BotView }> {
  assertMayCreate(ctx.principal);
  const { orgId } = ctx.org;
  return changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const source = await lockLiveBot(tx, ctx, input.botId);
      const name = input.name ?? `${source.name} (copy)`.slice(0, 100);
      const [created] = await tx
        .insert(bots)
        .values({
          orgId,
          name,
          description: source.description,
          status: "draft",
          config: source.config,
          templateId: source.templateId,
          identitySecret: randomToken(IDENTITY_SECRET_PREFIX),
          createdBy: creatorOf(ctx.principal),
        })
        .returning({ id: bots.id });
      if (!created) throw new Error("bot insert returned no row");
      const [overrides] = await tx
        .select({ settings: widgetSettings.settings })
        .from(widgetSettings)
        .where(and(eq(widgetSettings.orgId, orgId), eq(widgetSettings.botId, source.id)));
      if (overrides) {
        await tx.insert(widgetSettings).values({
          orgId,
          botId: created.id,
          settings: overrides.settings,
          updatedBy: creatorOf(ctx.principal),
        });
      }
      const bot = await viewOf(tx, orgId, created.id);
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "bot.cloned",
        resourceType: BOT_RESOURCE,
        resourceId: created.id,
        after: { ...auditSnapshot(bot), clonedFrom: source.id },
      });
      return { bot };
    }),
  );
}
