import {
  and,
  compiledInsert,
  compileStatement,
  conversations,
  type Executor,
  eq,
  type MessageRole,
  messages,
  newId,
  sql,
} from "@kyro/db";
import { notFound } from "../../core/errors";
import type { EventType } from "../../core/events/catalogue";
import { type EmitEvent, emitEvents } from "../../core/events/emit";

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
  assigneeId: string | null;
  consecutiveFallbacks: number;
}

const placeholder = sql.placeholder;

/** Compiled: every visitor message locks its conversation (see `compileStatement`). */
const selectForUpdate = compileStatement(["id", "orgId", "botId"], (db) =>
  db
    .select({
      id: conversations.id,
      orgId: conversations.orgId,
      botId: conversations.botId,
      status: conversations.status,
      assigneeId: conversations.assigneeId,
      consecutiveFallbacks: conversations.consecutiveFallbacks,
    })
    .from(conversations)
    .where(
      and(
        eq(conversations.id, placeholder("id")),
        eq(conversations.orgId, placeholder("orgId")),
        sql`(${placeholder("botId")}::uuid is null or ${conversations.botId} = ${placeholder("botId")}::uuid)`,
      ),
    )
    .for("update"),
);

/**
 * Reads the conversation and holds its row until the transaction ends, so two messages sent at once
 * serialize their counter and escalation updates instead of losing one.
 */
export async function lockConversation(
  tx: Executor,
  scope: { orgId: string; conversationId: string; botId?: string | null },
): Promise<LockedConversation> {
  const [row] = await selectForUpdate(tx, {
    id: scope.conversationId,
    orgId: scope.orgId,
    botId: scope.botId ?? null,
  });
  if (!row) throw notFound("Conversation");
  return row;
}

const MESSAGE_FIELDS = [
  "id",
  "orgId",
  "conversationId",
  "botId",
  "role",
  "content",
  "authorId",
  "botVersionId",
  "metadata",
  "createdAt",
] as const;
const insertMessages = compiledInsert(messages, MESSAGE_FIELDS);

/**
 * Inserts messages in the given order (ids are UUIDv7 minted here, so the order survives in the ids)
 * and emits `message.created` for each, plus any `events` of the same change, in the caller's
 * transaction. The two writes are issued together (one round trip on Postgres).
 */
export async function storeMessages(
  tx: Executor,
  conversation: LockedConversation,
  batch: readonly NewMessage[],
  now: Date,
  events: readonly EmitEvent<EventType>[] = [],
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
  await Promise.all([
    insertMessages(tx, rows),
    emitEvents(tx, [
      ...rows.map((row) => ({
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
      ...events,
    ]),
  ]);
  return rows.map(({ id, role, content, createdAt }) => ({ id, role, content, createdAt }));
}
