import { and, compileStatement, conversations, type Database, type Executor, eq, sql } from "@kyro/db";
import type { AuditScope } from "../../core/audit-log";
import { NO_REQUEST } from "../../core/request-info";
import { openTicket } from "../escalations/index";
import type { BotConfig } from "../shared/bot-config";
import { recordModelUsage } from "../usage/index";
import {
  decideEscalation,
  type Escalation,
  matchKeyword,
  nextFallbackRun,
  type ReplyKind,
} from "./escalation";
import {
  type LockedConversation,
  lockConversation,
  type StoredMessage,
  storeMessages,
} from "./message-store";
import { type BotReply, type Citation, outOfHoursReply, type Responder } from "./responder";

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
  /** null while people own the conversation: the bot stays silent and the message waits in the inbox. */
  reply: (StoredMessage & { kind: ReplyKind; citations: Citation[] }) | null;
  conversation: { id: string; status: "open" | "escalated" | "resolved" };
  escalation: Escalation | null;
}

/** The bot escalates on its own rules; the audit trail names it so. */
const BOT_AUDIT: AuditScope = { actor: { type: "system", id: null, label: "bot" }, request: NO_REQUEST };
const SUBJECT_EXCERPT_CHARS = 150;

/** Compiled: every visitor message first checks whether people own the conversation. */
const selectStatus = compileStatement(["id", "orgId"], (db) =>
  db
    .select({ status: conversations.status })
    .from(conversations)
    .where(
      and(eq(conversations.id, sql.placeholder("id")), eq(conversations.orgId, sql.placeholder("orgId"))),
    ),
);

/**
 * One visitor turn: the reply is computed first (searching knowledge is read-only and the slowest
 * part, so it stays outside the transaction), then the visitor's message, the reply, the counters,
 * any escalation (its ticket included) and their events commit together. A message to a resolved
 * conversation reopens it. While people own the conversation (`escalated`) the bot is not asked and
 * stores no reply: the visitor's message reaches the inbox alone.
 */
export async function converse(
  db: Database,
  responder: Responder,
  input: ExchangeInput,
): Promise<ExchangeResult> {
  const now = input.now ?? new Date();
  const { bot } = input;
  const [before] = await selectStatus(db, { id: input.conversationId, orgId: input.orgId });
  const keyword = matchKeyword(bot.config.escalation.keywords, input.content);
  const reply =
    before?.status === "escalated"
      ? null
      : (outOfHoursReply(bot.config, now) ??
        (await responder.reply({
          orgId: input.orgId,
          botId: input.botId,
          config: bot.config,
          content: input.content,
          now,
          conversationId: input.conversationId,
          onDelta: input.onDelta,
        })));

  return db.transaction(async (tx) => {
    const conversation = await lockConversation(tx, {
      orgId: input.orgId,
      conversationId: input.conversationId,
      botId: input.botId,
    });
    // Checked again under the lock: an agent may have taken the conversation while the bot thought.
    if (conversation.status === "escalated" || !reply) return silentTurn(tx, conversation, input, now);
    return answeredTurn(tx, conversation, input, reply, keyword, now);
  });
}

/** The visitor's message alone, for the people who own the conversation. */
async function silentTurn(
  tx: Executor,
  conversation: LockedConversation,
  input: ExchangeInput,
  now: Date,
): Promise<ExchangeResult> {
  const status = conversation.status === "resolved" ? "open" : conversation.status;
  const [[message]] = await Promise.all([
    storeMessages(
      tx,
      conversation,
      [{ role: "visitor", content: input.content, botVersionId: input.bot.versionId }],
      now,
    ),
    updateConversation(tx, {
      id: conversation.id,
      status,
      consecutiveFallbacks: conversation.consecutiveFallbacks,
      addedMessages: 1,
      now,
      escalatedAt: null,
      reopened: conversation.status === "resolved",
    }),
  ]);
  if (!message) throw new Error("storing the message returned no row");
  return { message, reply: null, conversation: { id: conversation.id, status }, escalation: null };
}

async function answeredTurn(
  tx: Executor,
  conversation: LockedConversation,
  input: ExchangeInput,
  reply: BotReply,
  keyword: string | null,
  now: Date,
): Promise<ExchangeResult> {
  const { bot } = input;
  const citations = reply.citations ?? [];
  const fallbackRun = nextFallbackRun(conversation.consecutiveFallbacks, reply.kind);
  const escalation = decideEscalation({
    config: bot.config,
    alreadyEscalated: false,
    keyword,
    fallbackRun,
  });
  const status = escalation ? "escalated" : conversation.status === "resolved" ? "open" : conversation.status;
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
  if (!message || !botMessage) throw new Error("storing the exchange returned no row");
  if (escalation) {
    await openTicket(tx, BOT_AUDIT, {
      orgId: input.orgId,
      botId: input.botId,
      conversation: { ...conversation, assigneeId: null },
      reason: escalation.reason,
      channel: "widget",
      subject: input.content.slice(0, SUBJECT_EXCERPT_CHARS),
      keyword: escalation.keyword,
      actorId: null,
      transcriptMessageId: botMessage.id,
      now,
    });
  }
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
        // A reopened conversation is the bot's again: whoever held it before let it go when it was resolved.
        assigneeId: sql`case when ${placeholder("reopened")}::boolean then null else ${conversations.assigneeId} end`,
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
