import { conversations, type Executor, type MessageRole, messages, newId } from "@kyro/db";
import { and, eq } from "drizzle-orm";
import { notFound } from "../../errors";
import { emitEvents } from "../../events/emit";

export interface NewMessage {
  role: MessageRole;
  content: string;
  authorId?: string | null;
  botVersionId?: string | null;
  metadata?: Record<string, unknown>;
}

export interface StoredMessage {
  id: string;
  role: MessageRole;
  content: string;
  createdAt: Date;
}

export interface LockedConversation {
  id: string;
  orgId: string;
  botId: string;
  status: "open" | "escalated" | "resolved";
  consecutiveFallbacks: number;
}

/**
 * Reads the conversation and holds its row until the transaction ends, so two messages sent at once
 * serialize their counter and escalation updates instead of losing one.
 */
export async function lockConversation(
  tx: Executor,
  scope: { orgId: string; conversationId: string; botId?: string | null },
): Promise<LockedConversation> {
  const [row] = await tx
    .select({
      id: conversations.id,
      orgId: conversations.orgId,
      botId: conversations.botId,
      status: conversations.status,
      consecutiveFallbacks: conversations.consecutiveFallbacks,
    })
    .from(conversations)
    .where(
      and(
        eq(conversations.id, scope.conversationId),
        eq(conversations.orgId, scope.orgId),
        scope.botId ? eq(conversations.botId, scope.botId) : undefined,
      ),
    )
    .for("update")
    .limit(1);
  if (!row) throw notFound("Conversation");
  return row;
}

/**
 * Inserts messages in the given order (ids are UUIDv7 minted here, so the order survives in the ids)
 * and emits `message.created` for each, in the caller's transaction.
 */
export async function storeMessages(
  tx: Executor,
  conversation: LockedConversation,
  batch: readonly NewMessage[],
  now: Date,
): Promise<StoredMessage[]> {
  const rows = batch.map((message) => ({
    id: newId(),
    orgId: conversation.orgId,
    conversationId: conversation.id,
    botId: conversation.botId,
    role: message.role,
    content: message.content,
    authorId: message.authorId ?? null,
    botVersionId: message.botVersionId ?? null,
    metadata: message.metadata ?? {},
    createdAt: now,
  }));
  await tx.insert(messages).values(rows);
  await emitEvents(
    tx,
    rows.map((row) => ({
      orgId: conversation.orgId,
      type: "message.created" as const,
      data: {
        messageId: row.id,
        conversationId: conversation.id,
        botId: conversation.botId,
        role: row.role,
        content: row.content,
        createdAt: now.toISOString(),
      },
    })),
  );
  return rows.map(({ id, role, content, createdAt }) => ({ id, role, content, createdAt }));
}
