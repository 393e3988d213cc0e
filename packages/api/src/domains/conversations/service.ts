import {
  and,
  arrayContains,
  asc,
  conversations,
  desc,
  type Executor,
  eq,
  feedback,
  gt,
  gte,
  inArray,
  lt,
  messages,
  type SQL,
  sql,
} from "@kyro/db";
import type { AuditScope } from "../../core/audit-log";
import { recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { notFound } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import type { OrgScope } from "../../core/org-scope";
import { decodeCursor, pageOf } from "../../core/pagination";
import type { Principal } from "../../core/principal";
import { assertOrgBot, restrictedBotOf } from "../shared/org-bots";
import { feedbackColumns } from "./feedback/service";
import { lockConversation, storeMessages } from "./message-store";
import type {
  ConversationOutput,
  ListConversationsInput,
  MessageOutput,
  ReplyInput,
  TranscriptInput,
  TranscriptOutput,
} from "./schemas";

export interface ConversationsContext {
  deps: Pick<AppDeps, "db">;
  org: OrgScope;
  principal: Principal;
  audit: AuditScope;
}

export const conversationColumns = {
  id: conversations.id,
  botId: conversations.botId,
  status: conversations.status,
  channel: conversations.channel,
  endUserId: conversations.endUserId,
  origin: conversations.origin,
  botVersionId: conversations.botVersionId,
  messageCount: conversations.messageCount,
  hasFeedback: conversations.hasFeedback,
  consecutiveFallbacks: conversations.consecutiveFallbacks,
  assigneeId: conversations.assigneeId,
  tags: conversations.tags,
  lastMessageAt: conversations.lastMessageAt,
  escalatedAt: conversations.escalatedAt,
  resolvedAt: conversations.resolvedAt,
  createdAt: conversations.createdAt,
  updatedAt: conversations.updatedAt,
};

const messageColumns = {
  id: messages.id,
  conversationId: messages.conversationId,
  botId: messages.botId,
  role: messages.role,
  content: messages.content,
  authorId: messages.authorId,
  botVersionId: messages.botVersionId,
  metadata: messages.metadata,
  createdAt: messages.createdAt,
};

/** Org, and for a bot-restricted key its bot: a conversation outside them does not exist for the caller. */
function visible(ctx: ConversationsContext): SQL[] {
  const where: SQL[] = [eq(conversations.orgId, ctx.org.orgId)];
  const onlyBot = restrictedBotOf(ctx.principal);
  if (onlyBot) where.push(eq(conversations.botId, onlyBot));
  return where;
}

export async function listConversations(
  ctx: ConversationsContext,
  input: ListConversationsInput,
): Promise<{ items: ConversationOutput[]; nextCursor: string | null }> {
  const where = visible(ctx);
  if (input.botId) {
    await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, input.botId);
    where.push(eq(conversations.botId, input.botId));
  }
  if (input.status) where.push(eq(conversations.status, input.status));
  if (input.assigneeId) where.push(eq(conversations.assigneeId, input.assigneeId));
  if (input.tag) where.push(arrayContains(conversations.tags, [input.tag]));
  if (input.from) where.push(gte(conversations.createdAt, new Date(input.from)));
  if (input.to) where.push(lt(conversations.createdAt, new Date(input.to)));
  if (input.hasFeedback !== undefined) where.push(eq(conversations.hasFeedback, input.hasFeedback));
  if (input.cursor) where.push(lt(conversations.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(conversationColumns)
    .from(conversations)
    .where(and(...where))
    .orderBy(desc(conversations.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}

export async function findConversation(
  db: Executor,
  ctx: ConversationsContext,
  conversationId: string,
): Promise<ConversationOutput> {
  const [row] = await db
    .select(conversationColumns)
    .from(conversations)
    .where(and(...visible(ctx), eq(conversations.id, conversationId)))
    .limit(1);
  if (!row) throw notFound("Conversation");
  return row;
}

/** Locks a conversation the caller can see (a restricted key only its bot's). */
export const lockScope = (ctx: ConversationsContext, conversationId: string) => ({
  orgId: ctx.org.orgId,
  conversationId,
  botId: restrictedBotOf(ctx.principal),
});

export function getConversation(ctx: ConversationsContext, conversationId: string) {
  return findConversation(ctx.deps.db, ctx, conversationId);
}

/** The transcript, oldest first, each message with the feedback it received. */
export async function listTranscript(
  ctx: ConversationsContext,
  input: TranscriptInput,
): Promise<TranscriptOutput> {
  await findConversation(ctx.deps.db, ctx, input.conversationId);
  const where: SQL[] = [eq(messages.conversationId, input.conversationId), eq(messages.orgId, ctx.org.orgId)];
  if (input.cursor) where.push(gt(messages.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(messageColumns)
    .from(messages)
    .where(and(...where))
    .orderBy(asc(messages.id))
    .limit(input.limit + 1);
  const page = pageOf(rows, input.limit);
  const ids = page.items.map((message) => message.id);
  const given =
    ids.length === 0
      ? []
      : await ctx.deps.db
          .select(feedbackColumns)
          .from(feedback)
          .where(and(eq(feedback.orgId, ctx.org.orgId), inArray(feedback.messageId, ids)))
          .orderBy(asc(feedback.id));
  const byMessage = new Map<string, typeof given>();
  for (const entry of given)
    byMessage.set(entry.messageId, [...(byMessage.get(entry.messageId) ?? []), entry]);
  return {
    items: page.items.map((message) => ({ ...message, feedback: byMessage.get(message.id) ?? [] })),
    nextCursor: page.nextCursor,
  };
}

/** An agent's (or API caller's) message into the conversation; it does not change the status. */
export async function replyToConversation(
  ctx: ConversationsContext,
  input: ReplyInput,
): Promise<MessageOutput> {
  const authorId = ctx.principal.kind === "user" ? ctx.principal.userId : null;
  const now = new Date();
  return ctx.deps.db.transaction(async (tx) => {
    const conversation = await lockConversation(tx, lockScope(ctx, input.conversationId));
    const [stored] = await storeMessages(
      tx,
      conversation,
      [{ role: "agent", content: input.content, authorId }],
      now,
    );
    if (!stored) throw new Error("storing the reply returned no row");
    await tx
      .update(conversations)
      .set({ messageCount: sql`${conversations.messageCount} + 1`, lastMessageAt: now })
      .where(eq(conversations.id, conversation.id));
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "conversation.replied",
      resourceType: "conversation",
      resourceId: conversation.id,
      after: { messageId: stored.id },
    });
    return {
      ...stored,
      conversationId: conversation.id,
      botId: conversation.botId,
      authorId,
      botVersionId: null,
      metadata: {},
    };
  });
}

/**
 * Marks the conversation resolved (and clears its fallback run). Resolving a resolved conversation
 * changes nothing and records nothing.
 */
export async function resolveConversation(
  ctx: ConversationsContext,
  conversationId: string,
): Promise<ConversationOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    await lockConversation(tx, lockScope(ctx, conversationId));
    const current = await findConversation(tx, ctx, conversationId);
    if (current.status === "resolved") return current;
    const [after] = await tx
      .update(conversations)
      .set({ status: "resolved", resolvedAt: new Date(), consecutiveFallbacks: 0 })
      .where(eq(conversations.id, conversationId))
      .returning(conversationColumns);
    if (!after) throw notFound("Conversation");
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "conversation.resolved",
      resourceType: "conversation",
      resourceId: conversationId,
      before: { status: current.status },
      after: { status: after.status },
    });
    await emitEvent(tx, {
      orgId: ctx.org.orgId,
      type: "conversation.resolved",
      data: {
        conversationId,
        botId: after.botId,
        resolvedBy: ctx.principal.kind === "user" ? ctx.principal.userId : null,
      },
    });
    return after;
  });
}

/** Opens a resolved conversation again; any other status is left as it is (nothing recorded). */
export async function reopenConversation(
  ctx: ConversationsContext,
  conversationId: string,
): Promise<ConversationOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    await lockConversation(tx, lockScope(ctx, conversationId));
    const current = await findConversation(tx, ctx, conversationId);
    if (current.status !== "resolved") return current;
    const [after] = await tx
      .update(conversations)
      .set({ status: "open", resolvedAt: null, consecutiveFallbacks: 0 })
      .where(eq(conversations.id, conversationId))
      .returning(conversationColumns);
    if (!after) throw notFound("Conversation");
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "conversation.reopened",
      resourceType: "conversation",
      resourceId: conversationId,
      before: { status: current.status },
      after: { status: after.status },
    });
    return after;
  });
}
