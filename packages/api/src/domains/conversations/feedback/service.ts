import {
  and,
  conversations,
  desc,
  type Executor,
  eq,
  type FeedbackSource,
  feedback,
  gte,
  lt,
  messages,
  type SQL,
  sql,
} from "@kyro/db";
import { type AuditScope, recordAudit } from "../../../core/audit-log";
import type { AppDeps } from "../../../core/deps";
import { notFound } from "../../../core/errors";
import { emitEvent } from "../../../core/events/emit";
import type { OrgScope } from "../../../core/org-scope";
import { decodeCursor, pageOf } from "../../../core/pagination";
import type { Principal } from "../../../core/principal";
import { assertOrgBot, currentVersionOf, restrictedBotOf } from "../../shared/org-bots";
import type { FeedbackOutput, ListFeedbackInput, SubmitMemberFeedbackInput } from "../schemas";

export const feedbackColumns = {
  id: feedback.id,
  botId: feedback.botId,
  conversationId: feedback.conversationId,
  messageId: feedback.messageId,
  source: feedback.source,
  userId: feedback.userId,
  helpful: feedback.helpful,
  reason: feedback.reason,
  botVersionId: feedback.botVersionId,
  createdAt: feedback.createdAt,
  updatedAt: feedback.updatedAt,
};

export interface FeedbackTarget {
  orgId: string;
  botId: string;
  conversationId: string;
  messageId: string;
}

export interface FeedbackGiven {
  source: FeedbackSource;
  /** The member giving it (source `member`); null for a visitor. */
  userId: string | null;
  helpful: boolean;
  reason: string | null;
}

/**
 * Records feedback on a message: one per visitor per message (the widget's) and one per member per
 * message; giving it again replaces the verdict and reason. The version recorded is the bot's published
 * version at this moment. Marks the conversation as having feedback and emits `feedback.created` the
 * first time only. Runs in the caller's transaction.
 */
export async function upsertFeedback(
  tx: Executor,
  target: FeedbackTarget,
  given: FeedbackGiven,
): Promise<{ feedback: FeedbackOutput; created: boolean }> {
  const botVersionId = await currentVersionOf(tx, target.orgId, target.botId);
  const uniqueOn =
    given.source === "widget"
      ? { target: [feedback.messageId], targetWhere: sql`${feedback.source} = 'widget'` }
      : { target: [feedback.messageId, feedback.userId], targetWhere: sql`${feedback.source} = 'member'` };
  const [row] = await tx
    .insert(feedback)
    .values({ ...target, ...given, botVersionId })
    .onConflictDoUpdate({
      ...uniqueOn,
      set: { helpful: given.helpful, reason: given.reason, botVersionId, updatedAt: new Date() },
    })
    // xmax is 0 only on a row this statement inserted (an updated row carries the updating transaction).
    .returning({ ...feedbackColumns, created: sql<boolean>`(xmax = 0)` });
  if (!row) throw new Error("feedback upsert returned no row");
  const { created, ...stored } = row;
  await tx
    .update(conversations)
    .set({ hasFeedback: true })
    .where(and(eq(conversations.id, target.conversationId), eq(conversations.hasFeedback, false)));
  if (created) {
    await emitEvent(tx, {
      orgId: target.orgId,
      type: "feedback.created",
      data: {
        feedbackId: stored.id,
        messageId: target.messageId,
        conversationId: target.conversationId,
        botId: target.botId,
        source: given.source,
        helpful: given.helpful,
        reason: given.reason,
      },
    });
  }
  return { feedback: stored, created };
}

export interface FeedbackContext {
  deps: Pick<AppDeps, "db">;
  org: OrgScope;
  principal: Principal & { kind: "user" };
  audit: AuditScope;
}

/** A member's QA verdict on any message of a conversation their org (and key, if restricted) can see. */
export async function submitMemberFeedback(
  ctx: FeedbackContext,
  input: SubmitMemberFeedbackInput,
): Promise<FeedbackOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    const [message] = await tx
      .select({ botId: messages.botId, conversationId: messages.conversationId })
      .from(messages)
      .where(and(eq(messages.id, input.messageId), eq(messages.orgId, ctx.org.orgId)))
      .limit(1);
    if (!message) throw notFound("Message");
    const result = await upsertFeedback(
      tx,
      { orgId: ctx.org.orgId, messageId: input.messageId, ...message },
      {
        source: "member",
        userId: ctx.principal.userId,
        helpful: input.helpful,
        reason: input.reason ?? null,
      },
    );
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: result.created ? "feedback.created" : "feedback.updated",
      resourceType: "message",
      resourceId: input.messageId,
      after: { helpful: input.helpful, reason: input.reason ?? null },
    });
    return result.feedback;
  });
}

export async function listFeedback(
  ctx: { deps: Pick<AppDeps, "db">; org: OrgScope; principal: Principal },
  input: ListFeedbackInput,
): Promise<{ items: FeedbackOutput[]; nextCursor: string | null }> {
  const where: SQL[] = [eq(feedback.orgId, ctx.org.orgId)];
  const onlyBot = restrictedBotOf(ctx.principal);
  if (onlyBot) where.push(eq(feedback.botId, onlyBot));
  if (input.botId) {
    await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, input.botId);
    where.push(eq(feedback.botId, input.botId));
  }
  if (input.conversationId) where.push(eq(feedback.conversationId, input.conversationId));
  if (input.helpful !== undefined) where.push(eq(feedback.helpful, input.helpful));
  if (input.source) where.push(eq(feedback.source, input.source));
  if (input.from) where.push(gte(feedback.createdAt, new Date(input.from)));
  if (input.to) where.push(lt(feedback.createdAt, new Date(input.to)));
  if (input.cursor) where.push(lt(feedback.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(feedbackColumns)
    .from(feedback)
    .where(and(...where))
    .orderBy(desc(feedback.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}
