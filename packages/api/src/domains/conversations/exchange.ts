import { compileStatement, conversations, type Database, type Executor, eq, sql } from "@kyro/db";
import type { BotConfig } from "../shared/bot-config";
import { recordModelUsage } from "../usage/index";
import {
  decideEscalation,
  type Escalation,
  matchKeyword,
  nextFallbackRun,
  type ReplyKind,
} from "./escalation";
import { lockConversation, type StoredMessage, storeMessages } from "./message-store";
import { type Citation, outOfHoursReply, type Responder } from "./responder";

export interface ExchangeInput {
  orgId: string;
  botId: string;
  conversationId: string;
  /** What the visitor talks to: the published version (null if never published) and its config. */
  bot: { versionId: string | null; config: BotConfig };
  /** The visitor's message, already validated and trimmed. */
  content: string;
  now?: Date;
  /** Receives the reply's pieces as the responder produces them (streamed answers). */
  onDelta?: (text: string) => void;
  /** The verified end user of a widget session, kept on the usage record. */
  endUserId?: string | null;
}

export interface ExchangeResult {
  message: StoredMessage;
  reply: StoredMessage & { kind: ReplyKind; citations: Citation[] };
  conversation: { id: string; status: "open" | "escalated" | "resolved" };
  escalation: Escalation | null;
}

/**
 * One visitor turn: the reply is computed first (searching knowledge is read-only and the slowest
 * part, so it stays outside the transaction), then the visitor's message, the reply, the counters,
 * any escalation and their events commit together. A message to a resolved conversation reopens it.
 */
export async function converse(
  db: Database,
  responder: Responder,
  input: ExchangeInput,
): Promise<ExchangeResult> {
  const now = input.now ?? new Date();
  const { bot } = input;
  const keyword = matchKeyword(bot.config.escalation.keywords, input.content);
  const reply =
    outOfHoursReply(bot.config, now) ??
    (await responder.reply({
      orgId: input.orgId,
      botId: input.botId,
      config: bot.config,
      content: input.content,
      now,
      conversationId: input.conversationId,
      onDelta: input.onDelta,
    }));
  const citations = reply.citations ?? [];

  return db.transaction(async (tx) => {
    const conversation = await lockConversation(tx, {
      orgId: input.orgId,
      conversationId: input.conversationId,
      botId: input.botId,
    });
    const fallbackRun = nextFallbackRun(conversation.consecutiveFallbacks, reply.kind);
    const escalation = decideEscalation({
      config: bot.config,
      alreadyEscalated: conversation.status === "escalated",
      keyword,
      fallbackRun,
    });
    const status = escalation
      ? "escalated"
      : conversation.status === "resolved"
        ? "open"
        : conversation.status;
    // Issued together: on Postgres the messages, their events and the counters take one round trip.
    const [[message, botMessage]] = await Promise.all([
      storeMessages(
        tx,
        conversation,
        [
          { role: "visitor", content: input.content, botVersionId: bot.versionId },
          {
            role: "bot",
            content: reply.content,
            botVersionId: bot.versionId,
            metadata: {
              kind: reply.kind,
              knowledgeEntryId: reply.knowledgeEntryId,
              score: reply.score,
              ...(citations.length > 0 ? { citations } : {}),
              ...(reply.usage ? { model: reply.usage.model } : {}),
            },
          },
        ],
        now,
        escalation
          ? [
              {
                orgId: input.orgId,
                type: "conversation.escalated",
                data: {
                  conversationId: conversation.id,
                  botId: input.botId,
                  reason: escalation.reason,
                  keyword: escalation.keyword,
                },
              },
            ]
          : [],
      ),
      updateConversation(tx, {
        id: conversation.id,
        status,
        consecutiveFallbacks: fallbackRun,
        addedMessages: 2,
        now,
        escalatedAt: escalation ? now : null,
        reopened: conversation.status === "resolved",
      }),
    ]);
    if (!message || !botMessage) throw new Error("storing the exchange returned no rows");
    if (reply.usage) {
      await recordModelUsage(
        tx,
        {
          orgId: input.orgId,
          botId: input.botId,
          conversationId: conversation.id,
          messageId: botMessage.id,
          endUserId: input.endUserId ?? null,
        },
        reply.usage,
        now,
      );
    }
    return {
      message,
      reply: { ...botMessage, kind: reply.kind, citations },
      conversation: { id: conversation.id, status },
      escalation,
    };
  });
}

const placeholder = sql.placeholder;

/** Compiled: every visitor message updates its conversation (see `compileStatement`). */
const updateConversationStatement = compileStatement(
  ["id", "status", "consecutiveFallbacks", "addedMessages", "now", "escalatedAt", "reopened"],
  (db) =>
    db
      .update(conversations)
      .set({
        status: sql`${placeholder("status")}`,
        consecutiveFallbacks: sql`${placeholder("consecutiveFallbacks")}`,
        messageCount: sql`${conversations.messageCount} + ${placeholder("addedMessages")}::int`,
        lastMessageAt: sql`${placeholder("now")}`,
        updatedAt: sql`${placeholder("now")}`,
        escalatedAt: sql`coalesce(${placeholder("escalatedAt")}::timestamptz, ${conversations.escalatedAt})`,
        resolvedAt: sql`case when ${placeholder("reopened")}::boolean then null else ${conversations.resolvedAt} end`,
      })
      .where(eq(conversations.id, placeholder("id"))),
);

/** The conversation after an exchange: counters, status, and the escalation or reopening time. */
async function updateConversation(
  tx: Executor,
  values: {
    id: string;
    status: ExchangeResult["conversation"]["status"];
    consecutiveFallbacks: number;
    addedMessages: number;
    now: Date;
    escalatedAt: Date | null;
    reopened: boolean;
  },
): Promise<void> {
  await updateConversationStatement(tx, values);
}
