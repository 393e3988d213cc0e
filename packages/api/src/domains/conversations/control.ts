import { conversations, eq } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { notFound } from "../../core/errors";
import { assertAssignable, assignOwnership, lockOwnership, releaseOwnership } from "../escalations/index";
import type { AssignConversationInput, ConversationOutput, ReplaceTagsInput } from "./schemas";
import { type ConversationsContext, conversationColumns, findConversation, lockScope } from "./service";

const memberOf = (ctx: ConversationsContext) => (ctx.principal.kind === "user" ? ctx.principal.userId : null);

/**
 * A member takes the conversation over: people own it and the bot stays silent until it is handed
 * back. Assigning it to the member who holds it changes nothing and records nothing.
 */
export async function assignConversation(
  ctx: ConversationsContext,
  input: AssignConversationInput,
): Promise<ConversationOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    const current = await lockOwnership(tx, lockScope(ctx, input.conversationId));
    await assertAssignable(tx, ctx.org.orgId, input.assigneeId);
    if (await assignOwnership(tx, ctx.org.orgId, current, input.assigneeId, memberOf(ctx))) {
      await recordAudit(tx, ctx.audit, {
        orgId: ctx.org.orgId,
        action: "conversation.assigned",
        resourceType: "conversation",
        resourceId: current.id,
        before: { status: current.status, assigneeId: current.assigneeId },
        after: { status: "escalated", assigneeId: input.assigneeId },
      });
    }
    return findConversation(tx, ctx, current.id);
  });
}

/** Gives the conversation back to the bot, which answers the visitor's next message again. */
export async function handBackConversation(
  ctx: ConversationsContext,
  conversationId: string,
): Promise<ConversationOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    const current = await lockOwnership(tx, lockScope(ctx, conversationId));
    if (await releaseOwnership(tx, ctx.org.orgId, current, memberOf(ctx))) {
      await recordAudit(tx, ctx.audit, {
        orgId: ctx.org.orgId,
        action: "conversation.handed_back",
        resourceType: "conversation",
        resourceId: current.id,
        before: { status: current.status, assigneeId: current.assigneeId },
        after: { status: current.status === "escalated" ? "open" : current.status, assigneeId: null },
      });
    }
    return findConversation(tx, ctx, current.id);
  });
}

/** Replaces the conversation's tags as a whole (sorted, without duplicates). */
export async function replaceTags(
  ctx: ConversationsContext,
  input: ReplaceTagsInput,
): Promise<ConversationOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    const current = await lockOwnership(tx, lockScope(ctx, input.conversationId));
    const before = await findConversation(tx, ctx, current.id);
    const tags = [...new Set(input.tags)].sort();
    const [after] = await tx
      .update(conversations)
      .set({ tags })
      .where(eq(conversations.id, current.id))
      .returning(conversationColumns);
    if (!after) throw notFound("Conversation");
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "conversation.tagged",
      resourceType: "conversation",
      resourceId: current.id,
      before: { tags: before.tags },
      after: { tags },
    });
    return after;
  });
}
