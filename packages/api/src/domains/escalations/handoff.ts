import { and, conversations, type Executor, eq, memberships, sql } from "@kyro/db";
import { notFound, unprocessable } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";

/**
 * Who owns a conversation. `escalated` means people have it (the bot stays silent); `assigneeId` is
 * the member holding it, null while it waits in the shared queue or the bot has it.
 */
export interface ConversationOwnership {
  id: string;
  botId: string;
  status: "open" | "escalated" | "resolved";
  assigneeId: string | null;
}

/** Reads the conversation and holds its row to the end of the transaction (ownership changes serialize). */
export async function lockOwnership(
  tx: Executor,
  scope: { orgId: string; conversationId: string; botId?: string | null },
): Promise<ConversationOwnership> {
  const where = [eq(conversations.id, scope.conversationId), eq(conversations.orgId, scope.orgId)];
  if (scope.botId) where.push(eq(conversations.botId, scope.botId));
  const [row] = await tx
    .select({
      id: conversations.id,
      botId: conversations.botId,
      status: conversations.status,
      assigneeId: conversations.assigneeId,
    })
    .from(conversations)
    .where(and(...where))
    .for("update");
  if (!row) throw notFound("Conversation");
  return row;
}

/** A member who may take conversations and tickets: agents and above. Anyone else is refused. */
export async function assertAssignable(tx: Executor, orgId: string, userId: string): Promise<void> {
  const [member] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  if (!member) throw notFound("Member");
  if (member.role === "viewer") {
    throw unprocessable("assignee_cannot_reply", "Only agents, admins and owners can be assigned");
  }
}

/** Hands a conversation to people (the shared queue, or a member) without changing who holds it. */
export async function handToHumans(tx: Executor, conversationId: string, now: Date): Promise<void> {
  await tx
    .update(conversations)
    .set({
      status: "escalated",
      escalatedAt: sql`coalesce(${conversations.escalatedAt}, ${now.toISOString()}::timestamptz)`,
      resolvedAt: null,
      updatedAt: now,
    })
    .where(eq(conversations.id, conversationId));
}

/**
 * Gives a locked conversation to a member: people own it from now on. Emits `conversation.assigned`
 * unless the member already held it (then nothing changes and false is returned).
 */
export async function assignOwnership(
  tx: Executor,
  orgId: string,
  conversation: ConversationOwnership,
  assigneeId: string,
  assignedBy: string | null,
): Promise<boolean> {
  if (conversation.assigneeId === assigneeId && conversation.status === "escalated") return false;
  const now = new Date();
  await handToHumans(tx, conversation.id, now);
  await tx.update(conversations).set({ assigneeId }).where(eq(conversations.id, conversation.id));
  await emitEvent(tx, {
    orgId,
    type: "conversation.assigned",
    data: {
      conversationId: conversation.id,
      botId: conversation.botId,
      assigneeId,
      previousAssigneeId: conversation.assigneeId,
      assignedBy,
    },
  });
  return true;
}

/**
 * Takes a locked conversation from the member holding it and puts it back in the shared queue: people
 * still own it (the bot stays silent) until someone takes it or hands it back. Emits
 * `conversation.unassigned`; false when no member held it.
 */
export async function unassignOwnership(
  tx: Executor,
  orgId: string,
  conversation: ConversationOwnership,
  unassignedBy: string | null,
): Promise<boolean> {
  if (conversation.assigneeId === null) return false;
  const now = new Date();
  await handToHumans(tx, conversation.id, now);
  await tx.update(conversations).set({ assigneeId: null }).where(eq(conversations.id, conversation.id));
  await emitEvent(tx, {
    orgId,
    type: "conversation.unassigned",
    data: {
      conversationId: conversation.id,
      botId: conversation.botId,
      previousAssigneeId: conversation.assigneeId,
      unassignedBy,
    },
  });
  return true;
}

/**
 * Gives a locked conversation back to the bot: nobody holds it, the fallback run starts again, and the
 * bot answers the visitor's next message. Emits `conversation.handed_back`; false when the bot had it.
 */
export async function releaseOwnership(
  tx: Executor,
  orgId: string,
  conversation: ConversationOwnership,
  handedBackBy: string | null,
): Promise<boolean> {
  if (conversation.status !== "escalated" && conversation.assigneeId === null) return false;
  await tx
    .update(conversations)
    .set({
      assigneeId: null,
      status: sql`case when ${conversations.status} = 'escalated' then 'open' else ${conversations.status} end`,
      consecutiveFallbacks: 0,
      updatedAt: new Date(),
    })
    .where(eq(conversations.id, conversation.id));
  await emitEvent(tx, {
    orgId,
    type: "conversation.handed_back",
    data: {
      conversationId: conversation.id,
      botId: conversation.botId,
      previousAssigneeId: conversation.assigneeId,
      handedBackBy,
    },
  });
  return true;
}
