import { conversations } from "@kyro/db";
import { hmacSha256, safeEqual } from "@kyro/platform";
import { bearerOf, type Context } from "../../core/context";
import type { AppDeps } from "../../core/deps";
import { forbidden, notFound, unauthorized } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import { ORG_SUSPENDED } from "../../core/org-scope";
import { findLiveBot, type LiveBot } from "../shared/live-bots";
import { liveWidget } from "./live-widgets";
import { originAllowed } from "./origins";
import type { CreateSessionInput, EffectiveWidgetSettings, PublicWidgetSettings } from "./schemas";
import { signWidgetSession, verifyWidgetSession, type WidgetSessionClaims } from "./session-token";
import { effectiveWidgetSettings, publicSettings } from "./settings";

/** What the public widget procedures receive from tRPC: no principal, only the request. */
export interface WidgetRequestContext extends Pick<Context, "request" | "bearer"> {
  deps: AppDeps;
}

/** A verified widget session: the token's claims, the live bot and its effective widget settings. */
export interface WidgetSession extends WidgetSessionClaims {
  bot: LiveBot;
  settings: EffectiveWidgetSettings;
}

const refusedOrigin = () =>
  forbidden(
    "origin",
    "This page's origin is not allowed to use this bot's widget (see the widget's allowedDomains)",
  );

/** userHash = hex HMAC-SHA256(userId) keyed with the bot's identity secret; compared in constant time. */
function identityMatches(identitySecret: string, userId: string, userHash: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(userHash)) return false;
  return safeEqual(hmacSha256(Buffer.from(identitySecret, "utf8"), userId), userHash.toLowerCase());
}

/**
 * The verified end-user id, or null for an anonymous visitor. An identity that does not verify is
 * refused even when identity is optional: a wrong hash means a misconfigured or forged embed.
 */
function verifiedEndUser(
  bot: LiveBot & { identitySecret: string },
  input: CreateSessionInput,
): string | null {
  if (input.userId === undefined || input.userHash === undefined) {
    if (bot.config.requireIdentity)
      throw unauthorized("This bot requires an identified visitor (userId and userHash)");
    return null;
  }
  if (!identityMatches(bot.identitySecret, input.userId, input.userHash)) {
    throw unauthorized("The visitor identity could not be verified (userHash does not match userId)");
  }
  return input.userId;
}

export interface CreatedWidgetSession {
  token: string;
  expiresAt: Date;
  conversationId: string;
  botId: string;
  endUserId: string | null;
  welcomeMessage: string;
  settings: PublicWidgetSettings;
}

/**
 * Opens a visitor session: checks the page origin against the effective allowlist and the optional
 * identity, starts a widget conversation and signs a token bound to it. Visitors are not members, so
 * no audit row is written; the `conversation.created` event records the start in the same transaction.
 */
export async function createWidgetSession(
  ctx: WidgetRequestContext,
  input: CreateSessionInput,
): Promise<CreatedWidgetSession> {
  const { deps } = ctx;
  const bot = await findLiveBot(deps.db, input.botId);
  if (!bot) throw notFound("Bot");
  if (bot.orgSuspended) throw forbidden("org_suspended", ORG_SUSPENDED);
  const { effective } = await effectiveWidgetSettings(deps.db, bot.orgId, bot.id);
  const origin = ctx.request.origin;
  if (!originAllowed(effective, origin)) throw refusedOrigin();
  const endUserId = verifiedEndUser(bot, input);
  const conversationId = await deps.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(conversations)
      .values({
        orgId: bot.orgId,
        botId: bot.id,
        channel: "widget",
        endUserId,
        origin,
        botVersionId: bot.currentVersionId,
      })
      .returning({ id: conversations.id });
    if (!created) throw new Error("conversation insert returned no row");
    await emitEvent(tx, {
      orgId: bot.orgId,
      type: "conversation.created",
      data: { conversationId: created.id, botId: bot.id, channel: "widget", endUserId },
    });
    return created.id;
  });
  const { token, expiresAt } = await signWidgetSession(deps.hmacKeys.widgetSession, {
    orgId: bot.orgId,
    botId: bot.id,
    conversationId,
    origin,
    endUserId,
  });
  return {
    token,
    expiresAt,
    conversationId,
    botId: bot.id,
    endUserId,
    welcomeMessage: bot.config.welcomeMessage,
    settings: publicSettings(effective),
  };
}

/**
 * Authorizes a visitor's call on `conversationId` (for the widget runtime procedures): the Bearer token
 * must be a valid widget session token for exactly that conversation (401 without or with a bad one,
 * 404 for another conversation), the request must come from the token's origin and still pass the
 * bot's current allowlist (403), and the bot must still be live (404 once deleted or paused).
 */
export async function requireWidgetSession(
  ctx: WidgetRequestContext,
  conversationId: string,
): Promise<WidgetSession> {
  const token = bearerOf(ctx);
  if (!token) throw unauthorized("A widget session token is required");
  const claims = await verifyWidgetSession(ctx.deps.hmacKeys.widgetSession, token);
  if (!claims) throw unauthorized("Invalid or expired widget session");
  if (claims.conversationId !== conversationId) throw notFound("Conversation");
  const origin = ctx.request.origin;
  if (claims.origin !== null && claims.origin !== origin) throw refusedOrigin();
  const widget = await liveWidget(ctx.deps, claims.orgId, claims.botId);
  if (!widget) throw notFound("Bot");
  // From the cache, which the suspension drops: open sessions are refused from the next call on.
  if (widget.bot.orgSuspended) throw forbidden("org_suspended", ORG_SUSPENDED);
  // Re-checked on every call, so removing a domain from the allowlist cuts off its open sessions at once.
  if (!originAllowed(widget.settings, origin)) throw refusedOrigin();
  return { ...claims, ...widget };
}
