import type { Executor } from "@kyro/db";
import { ANSWER_THRESHOLD, searchKnowledge } from "../knowledge/index";
import type { BotConfig } from "../shared/bot-config";
import type { ModelUsage } from "../usage/index";
import { isOpen } from "./business-hours";
import type { ReplyKind } from "./escalation";

export interface ResponderInput {
  orgId: string;
  botId: string;
  /** The configuration the visitor talks to (published version, or draft if never published). */
  config: BotConfig;
  /** The visitor's message, trimmed. */
  content: string;
  now: Date;
  /** The conversation the message belongs to (earlier turns go into a model's prompt). */
  conversationId?: string;
  /** Called with each piece of the reply as it is produced, for streaming to the visitor. */
  onDelta?: (text: string) => void;
}

/** Where a sentence of an answer came from: the chunk, its document and source. */
export interface Citation {
  sourceId: string;
  documentId: string;
  chunkId: string;
  title: string;
  url: string | null;
}

export interface BotReply {
  content: string;
  kind: ReplyKind;
  /** The knowledge entry answered from (kind `answer`). */
  knowledgeEntryId: string | null;
  /** The best match's score, when there was one (also recorded for fallbacks, to tune the threshold). */
  score: number | null;
  /** The passages a model answer cites (empty for Q/A answers and fallbacks). */
  citations?: Citation[];
  /** The model call behind the reply, recorded with it (none for Q/A answers). */
  usage?: ModelUsage | null;
}

/**
 * Produces the bot's reply to a visitor message. The default answers from the knowledge entries; an
 * LLM-backed responder implements the same interface. Business hours, escalation and storage stay with
 * the caller, so every responder gets them alike.
 */
export interface Responder {
  reply(input: ResponderInput): Promise<BotReply>;
}

/** Outside business hours every responder is replaced by the out-of-hours message. */
export function outOfHoursReply(config: BotConfig, now: Date): BotReply | null {
  if (isOpen(config.businessHours, now)) return null;
  return { content: config.outOfHoursMessage, kind: "out_of_hours", knowledgeEntryId: null, score: null };
}

/**
 * Answers with the best-matching knowledge entry's answer when its score reaches the threshold, else
 * with the bot's fallback message. No AI involved: Postgres full-text search over question, tags, answer.
 */
export function createKnowledgeResponder(db: Executor, threshold = ANSWER_THRESHOLD): Responder {
  return {
    async reply(input) {
      const [best] = await searchKnowledge(db, input, input.content, 1);
      if (best && best.score >= threshold) {
        return { content: best.answer, kind: "answer", knowledgeEntryId: best.id, score: best.score };
      }
      return {
        content: input.config.fallbackMessage,
        kind: "fallback",
        knowledgeEntryId: null,
        score: best?.score ?? null,
      };
    },
  };
}
