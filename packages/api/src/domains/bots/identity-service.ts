import { and, bots, eq, isNull } from "@kyro/db";
import { randomToken } from "@kyro/platform";
import { recordAudit } from "../../core/audit-log";
import { notFound } from "../../core/errors";
import { assertBotAccess } from "../../core/org-scope";
import type { BotTargetInput } from "./schemas";
import { BOT_RESOURCE, type BotsContext, IDENTITY_SECRET_PREFIX, lockLiveBot } from "./service";

/** The identity secret, shown only here; reading it is audited, like any access to a secret. */
export async function getIdentitySecret(
  ctx: BotsContext,
  input: BotTargetInput,
): Promise<{ botId: string; secret: string }> {
  assertBotAccess(ctx.principal, input.botId);
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    const [bot] = await tx
      .select({ id: bots.id, secret: bots.identitySecret })
      .from(bots)
      .where(and(eq(bots.id, input.botId), eq(bots.orgId, orgId), isNull(bots.deletedAt)));
    if (!bot) throw notFound("Bot");
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "bot.identity_secret_viewed",
      resourceType: BOT_RESOURCE,
      resourceId: bot.id,
    });
    return { botId: bot.id, secret: bot.secret };
  });
}

/** Replaces the identity secret: hashes made with the old one stop verifying at once. */
export async function rotateIdentitySecret(
  ctx: BotsContext,
  input: BotTargetInput,
): Promise<{ botId: string; secret: string }> {
  const { orgId } = ctx.org;
  const secret = randomToken(IDENTITY_SECRET_PREFIX);
  return ctx.deps.db.transaction(async (tx) => {
    const current = await lockLiveBot(tx, ctx, input.botId);
    await tx
      .update(bots)
      .set({ identitySecret: secret, updatedAt: new Date() })
      .where(and(eq(bots.id, current.id), eq(bots.orgId, orgId)));
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "bot.identity_secret_rotated",
      resourceType: BOT_RESOURCE,
      resourceId: current.id,
    });
    return { botId: current.id, secret };
  });
}
