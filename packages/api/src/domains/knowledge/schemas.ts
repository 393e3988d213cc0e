import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { plainText } from "../shared/schemas";

export const KNOWLEDGE_LIMITS = {
  entriesPerBot: 10_000,
  questionChars: 1_000,
  answerChars: 10_000,
  tagsPerEntry: 20,
  tagChars: 50,
} as const;
/** Rows per INSERT while replacing: 7 parameters each keeps a batch far below Postgres' 65,535. */
export const REPLACE_BATCH_SIZE = 1_000;

const entryInput = z
  .object({
    question: plainText(KNOWLEDGE_LIMITS.questionChars, "A question"),
    answer: plainText(KNOWLEDGE_LIMITS.answerChars, "An answer"),
    tags: z
      .array(plainText(KNOWLEDGE_LIMITS.tagChars, "A tag", "single"))
      .max(KNOWLEDGE_LIMITS.tagsPerEntry, `At most ${KNOWLEDGE_LIMITS.tagsPerEntry} tags per entry`)
      .default([]),
  })
  .meta({ id: "KnowledgeEntryInput" });

export const replaceKnowledgeInput = z.object({
  botId: z.uuid(),
  /** The bot's whole knowledge, in order (an empty list clears it). Request bodies are capped at 1 MiB. */
  entries: z
    .array(entryInput)
    .max(
      KNOWLEDGE_LIMITS.entriesPerBot,
      `At most ${KNOWLEDGE_LIMITS.entriesPerBot.toLocaleString("en-US")} knowledge entries per bot`,
    ),
});
export type ReplaceKnowledgeInput = z.infer<typeof replaceKnowledgeInput>;

export const listKnowledgeInput = z.object({
  botId: z.uuid(),
  /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
  ...pageFields,
});
export type ListKnowledgeInput = z.infer<typeof listKnowledgeInput>;

export const searchKnowledgeInput = z.object({
  botId: z.uuid(),
  query: plainText(KNOWLEDGE_LIMITS.questionChars, "A query"),
  limit: z.int().min(1).max(50).default(5),
});
export type SearchKnowledgeInput = z.infer<typeof searchKnowledgeInput>;

export const knowledgeEntryOutput = z
  .object({
    id: z.uuid(),
    question: z.string(),
    answer: z.string(),
    tags: z.array(z.string()),
    /** 0-based order as given to `replace`. */
    position: z.int(),
  })
  .meta({ id: "KnowledgeEntry" });
export type KnowledgeEntryOutput = z.infer<typeof knowledgeEntryOutput>;

export const knowledgePageOutput = z
  .object({
    items: z.array(knowledgeEntryOutput),
    nextCursor: z.string().nullable(),
    /** Entries the bot has in all. */
    total: z.int(),
  })
  .meta({ id: "KnowledgePage" });

export const replaceKnowledgeOutput = z
  .object({ botId: z.uuid(), count: z.int(), previousCount: z.int() })
  .meta({ id: "KnowledgeReplaced" });

export const knowledgeSearchOutput = z
  .object({
    items: z.array(knowledgeEntryOutput.extend({ score: z.number() })),
    /** The least score the default responder answers from; lower matches get the fallback message. */
    threshold: z.number(),
  })
  .meta({ id: "KnowledgeSearchResult" });
