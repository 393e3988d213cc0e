import { and, bots, botVersions, desc, type Executor, eq, lt, max, users } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { notFound } from "../../core/errors";
import { assertBotAccess } from "../../core/org-scope";
import { decodeOffset, encodeOffset } from "../../core/pagination";
import { parseBotConfig, storedBotConfig } from "../shared/bot-config";
import { changingLiveWidgets } from "../widget/index";
import type {
  BotTargetInput,
  BotVersionView,
  BotView,
  ListVersionsInput,
  RestoreVersionInput,
} from "./schemas";
import { BOT_RESOURCE, type BotsContext, lockLiveBot, viewOf } from "./service";

function selectVersions(db: Executor) {
  return db
    .select({
      id: botVersions.id,
      botId: botVersions.botId,
      version: botVersions.version,
      name: botVersions.name,
      config: botVersions.config,
      creatorId: users.id,
      creatorEmail: users.email,
      createdAt: botVersions.createdAt,
    })
    .from(botVersions)
    .leftJoin(users, eq(users.id, botVersions.createdBy));
}

type VersionRow = Awaited<ReturnType<ReturnType<typeof selectVersions>["where"]>>[number];

function toVersionView(row: VersionRow, currentVersionId: string | null): BotVersionView {
  // One literal (see bots' toView); the config is validated once, by the output schema.
  return {
    id: row.id,
    botId: row.botId,
    version: row.version,
    name: row.name,
    config: storedBotConfig(row.config),
    createdBy: row.creatorId && row.creatorEmail ? { id: row.creatorId, email: row.creatorEmail } : null,
    createdAt: row.createdAt,
    current: row.id === currentVersionId,
  };
}

/**
 * Snapshots the bot's current config as the next version (numbered per bot; the bot row lock orders
 * concurrent publishes) and makes it the one visitors get. New widget conversations use it at once.
 */
export async function publishBot(
  ctx: BotsContext,
  input: BotTargetInput,
): Promise<{ bot: BotView; version: BotVersionView }> {
  const { orgId } = ctx.org;
  return changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const bot = await lockLiveBot(tx, ctx, input.botId);
      const [latest] = await tx
        .select({ version: max(botVersions.version) })
        .from(botVersions)
        .where(and(eq(botVersions.botId, bot.id), eq(botVersions.orgId, orgId)));
      const number = (latest?.version ?? 0) + 1;
      const [created] = await tx
        .insert(botVersions)
        .values({
          orgId,
          botId: bot.id,
          version: number,
          name: bot.name,
          config: bot.config,
          createdBy: ctx.principal.kind === "user" ? ctx.principal.userId : null,
        })
        .returning({ id: botVersions.id });
      if (!created) throw new Error("bot version insert returned no row");
      await tx
        .update(bots)
        .set({ currentVersionId: created.id, updatedAt: new Date() })
        .where(and(eq(bots.id, bot.id), eq(bots.orgId, orgId)));
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "bot.published",
        resourceType: BOT_RESOURCE,
        resourceId: bot.id,
        before: { currentVersionId: bot.currentVersionId },
        after: { currentVersionId: created.id, version: number, config: bot.config },
      });
      const [row] = await selectVersions(tx).where(eq(botVersions.id, created.id));
      if (!row) throw new Error("published version not found");
      return { bot: await viewOf(tx, orgId, bot.id), version: toVersionView(row, created.id) };
    }),
  );
}

/** Newest first. */
export async function listVersions(
  ctx: Omit<BotsContext, "audit">,
  input: ListVersionsInput,
): Promise<{ items: BotVersionView[]; nextCursor: string | null }> {
  assertBotAccess(ctx.principal, input.botId);
  const bot = await viewOf(ctx.deps.db, ctx.org.orgId, input.botId);
  if (bot.deletedAt) throw notFound("Bot");
  const rows = await selectVersions(ctx.deps.db)
    .where(
      and(
        eq(botVersions.orgId, ctx.org.orgId),
        eq(botVersions.botId, bot.id),
        input.cursor === undefined ? undefined : lt(botVersions.version, decodeOffset(input.cursor)),
      ),
    )
    .orderBy(desc(botVersions.version))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => toVersionView(row, bot.currentVersionId)),
    // The cursor is the last version number given: the next page holds the versions below it.
    nextCursor: rows.length > input.limit && last ? encodeOffset(last.version) : null,
  };
}

/**
 * Rolls back: the version's config becomes the bot's config again and the version becomes current.
 * The bot's name is left alone (a rename is not a configuration rollback).
 */
export async function restoreVersion(
  ctx: BotsContext,
  input: RestoreVersionInput,
): Promise<{ bot: BotView }> {
  const { orgId } = ctx.org;
  return changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const bot = await lockLiveBot(tx, ctx, input.botId);
      const [version] = await tx
        .select({ id: botVersions.id, version: botVersions.version, config: botVersions.config })
        .from(botVersions)
        .where(
          and(
            eq(botVersions.id, input.versionId),
            eq(botVersions.botId, bot.id),
            eq(botVersions.orgId, orgId),
          ),
        );
      if (!version) throw notFound("Bot version");
      const config = parseBotConfig(version.config);
      await tx
        .update(bots)
        .set({ config, currentVersionId: version.id, updatedAt: new Date() })
        .where(and(eq(bots.id, bot.id), eq(bots.orgId, orgId)));
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "bot.version_restored",
        resourceType: BOT_RESOURCE,
        resourceId: bot.id,
        before: { currentVersionId: bot.currentVersionId, config: bot.config },
        after: { currentVersionId: version.id, version: version.version, config },
      });
      return { bot: await viewOf(tx, orgId, bot.id) };
    }),
  );
}
