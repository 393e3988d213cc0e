import { and, asc, eq, gt, messages, type SQL } from "@kyro/db";
import { bearerOf } from "../../../core/context";
import { AppError, notFound } from "../../../core/errors";
import { decodeCursor, pageOf } from "../../../core/pagination";
import type { Responder } from "../../conversations/index";
import { converse, upsertFeedback } from "../../conversations/index";
import { upsertLead } from "../../leads/index";
import { consumeWidgetMessage } from "../../limits/index";
import { requireWidgetSession, type WidgetRequestContext } from "../session";
import { verifyWidgetSession } from "../session-token";
import type {
  ListWidgetMessagesInput,
  SendWidgetMessageInput,
  WidgetFeedbackInput,
  WidgetLeadInput,
} from "./schemas";

/**
 * A visitor's message and the bot's reply. The message counts against the conversation's rate and the
 * daily quotas before anything is stored (429 stores nothing). Visitors are not members: no audit row;
 * the `message.created` events record the exchange.
 */
export async function sendWidgetMessage(
  ctx: WidgetRequestContext,
  responder: Responder,
  input: SendWidgetMessageInput,
) {
  const session = await requireWidgetSession(ctx, input.conversationId);
  const target = { orgId: session.orgId, botId: session.botId, conversationId: session.conversationId };
  await consumeWidgetMessage(ctx.deps, target, ctx.request);
  const result = await converse(ctx.deps.db, responder, {
    ...target,
    bot: { versionId: session.bot.currentVersionId, config: session.bot.config },
    content: input.content,
    endUserId: session.endUserId,
  });
  return exchangeView(result);
}

/** What the visitor sees of an exchange (plain or streamed): no internal metadata. */
export function exchangeView(result: Awaited<ReturnType<typeof converse>>) {
  return { message: result.message, reply: result.reply, conversation: result.conversation };
}

/** The conversation's messages as the visitor sees them, oldest first (agents' replies included). */
export async function listWidgetMessages(ctx: WidgetRequestContext, input: ListWidgetMessagesInput) {
  const session = await requireWidgetSession(ctx, input.conversationId);
  const where: SQL[] = [
    eq(messages.conversationId, session.conversationId),
    eq(messages.orgId, session.orgId),
  ];
  if (input.cursor) where.push(gt(messages.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select({
      id: messages.id,
      role: messages.role,
      content: messages.content,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .where(and(...where))
    .orderBy(asc(messages.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}

/**
 * The session's conversation, taken from the token itself: the feedback route names a message, not a
 * conversation. `requireWidgetSession` then checks the token fully (origin, live bot).
 */
async function sessionConversationOf(ctx: WidgetRequestContext): Promise<string> {
  const token = bearerOf(ctx);
  const claims = token ? await verifyWidgetSession(ctx.deps.hmacKeys.widgetSession, token) : null;
  if (!claims) throw new AppError("UNAUTHORIZED", "A valid widget session token is required");
  return claims.conversationId;
}

/**
 * A visitor's thumbs up or down on a reply of their own conversation; one per message, a second one
 * replaces it. A message of any other conversation answers 404, as if it did not exist.
 */
export async function submitWidgetFeedback(ctx: WidgetRequestContext, input: WidgetFeedbackInput) {
  const session = await requireWidgetSession(ctx, await sessionConversationOf(ctx));
  const [message] = await ctx.deps.db
    .select({ role: messages.role })
    .from(messages)
    .where(
      and(
        eq(messages.id, input.messageId),
        eq(messages.conversationId, session.conversationId),
        eq(messages.orgId, session.orgId),
      ),
    )
    .limit(1);
  if (!message) throw notFound("Message");
  if (message.role === "visitor") {
    throw new AppError(
      "UNPROCESSABLE_CONTENT",
      "Feedback applies to the bot's and agents' replies, not your own messages",
    );
  }
  const { feedback } = await ctx.deps.db.transaction((tx) =>
    upsertFeedback(
      tx,
      {
        orgId: session.orgId,
        botId: session.botId,
        conversationId: session.conversationId,
        messageId: input.messageId,
      },
      { source: "widget", userId: null, helpful: input.helpful, reason: input.reason ?? null },
    ),
  );
  return {
    id: feedback.id,
    messageId: feedback.messageId,
    helpful: feedback.helpful,
    reason: feedback.reason,
    createdAt: feedback.createdAt,
    updatedAt: feedback.updatedAt,
  };
}

/**
 * Contact details left in the widget; deduplicated per bot by email. An anonymous visitor changes an
 * existing lead only from the session that left it (or as the same verified end user); otherwise the
 * submission only fills what the lead lacks (see `upsertLead`).
 */
export async function submitWidgetLead(ctx: WidgetRequestContext, input: WidgetLeadInput) {
  const session = await requireWidgetSession(ctx, input.conversationId);
  const { conversationId: _conversation, ...details } = input;
  const { lead } = await ctx.deps.db.transaction((tx) =>
    upsertLead(tx, {
      ...details,
      orgId: session.orgId,
      botId: session.botId,
      conversationId: session.conversationId,
      source: "widget",
      visitor: { endUserId: session.endUserId },
    }),
  );
  return { leadId: lead.id };
}
