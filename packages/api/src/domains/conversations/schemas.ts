import { CONVERSATION_STATUSES, FEEDBACK_SOURCES, MESSAGE_ROLES } from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { instant, plainText, rangeIsOrdered, rangeMessage } from "../shared/schemas";

/** Longest message a visitor, agent or API caller may send (characters, after trimming). */
export const MESSAGE_MAX_CHARS = 4_000;

export const messageContent = plainText(MESSAGE_MAX_CHARS, "A message");
export const feedbackReason = plainText(1_000, "A reason");

export const conversationIdInput = z.object({ conversationId: z.uuid() });

export const listConversationsInput = z
  .object({
    botId: z.uuid().optional(),
    status: z.enum(CONVERSATION_STATUSES).optional(),
    assigneeId: z.uuid().optional(),
    tag: plainText(50, "A tag", "single").toLowerCase().optional(),
    /** Inclusive lower bound on `createdAt`. */
    from: instant.optional(),
    /** Exclusive upper bound on `createdAt`. */
    to: instant.optional(),
    hasFeedback: z.boolean().optional(),
    /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage);
export type ListConversationsInput = z.infer<typeof listConversationsInput>;

export const transcriptInput = z.object({
  conversationId: z.uuid(),
  /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
  ...pageFields,
});
export type TranscriptInput = z.infer<typeof transcriptInput>;

export const assignConversationInput = z.object({
  conversationId: z.uuid(),
  /** A member of the org who may reply (agent or above). */
  assigneeId: z.uuid(),
});
export type AssignConversationInput = z.infer<typeof assignConversationInput>;

/** A tag: one line, trimmed and lower-cased so one label has one spelling. */
const tag = plainText(50, "A tag", "single").toLowerCase();
export const replaceTagsInput = z.object({
  conversationId: z.uuid(),
  /** The whole set (duplicates collapse); an empty list removes every tag. */
  tags: z.array(tag).max(20),
});
export type ReplaceTagsInput = z.infer<typeof replaceTagsInput>;

export const replyInput = z.object({ conversationId: z.uuid(), content: messageContent });
export type ReplyInput = z.infer<typeof replyInput>;

export const conversationOutput = z
  .object({
    id: z.uuid(),
    botId: z.uuid(),
    status: z.enum(CONVERSATION_STATUSES),
    /** `widget` for visitor sessions, `api` otherwise. */
    channel: z.string(),
    endUserId: z.string().nullable(),
    origin: z.string().nullable(),
    botVersionId: z.uuid().nullable(),
    messageCount: z.int(),
    hasFeedback: z.boolean(),
    consecutiveFallbacks: z.int(),
    /** The member who owns the conversation (the bot stays silent while people have it). */
    assigneeId: z.uuid().nullable(),
    tags: z.array(z.string()),
    lastMessageAt: z.date().nullable(),
    escalatedAt: z.date().nullable(),
    resolvedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Conversation" });
export type ConversationOutput = z.infer<typeof conversationOutput>;

export const conversationPageOutput = z
  .object({ items: z.array(conversationOutput), nextCursor: z.string().nullable() })
  .meta({ id: "ConversationPage" });

export const feedbackOutput = z
  .object({
    id: z.uuid(),
    botId: z.uuid(),
    conversationId: z.uuid(),
    messageId: z.uuid(),
    source: z.enum(FEEDBACK_SOURCES),
    /** The member who gave it; null for a visitor's. */
    userId: z.uuid().nullable(),
    helpful: z.boolean(),
    reason: z.string().nullable(),
    /** The published bot version active when the feedback was given (null: never published). */
    botVersionId: z.uuid().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Feedback" });
export type FeedbackOutput = z.infer<typeof feedbackOutput>;

export const messageOutput = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    botId: z.uuid(),
    role: z.enum(MESSAGE_ROLES),
    content: z.string(),
    /** The member who wrote an agent message. */
    authorId: z.uuid().nullable(),
    botVersionId: z.uuid().nullable(),
    /** Bot replies: `{ kind: answer | fallback | out_of_hours, knowledgeEntryId, score }`. */
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.date(),
  })
  .meta({ id: "Message" });
export type MessageOutput = z.infer<typeof messageOutput>;

export const transcriptMessageOutput = messageOutput
  .extend({ feedback: z.array(feedbackOutput) })
  .meta({ id: "TranscriptMessage" });

export const transcriptOutput = z
  .object({ items: z.array(transcriptMessageOutput), nextCursor: z.string().nullable() })
  .meta({ id: "Transcript" });
export type TranscriptOutput = z.infer<typeof transcriptOutput>;

export const submitMemberFeedbackInput = z.object({
  messageId: z.uuid(),
  helpful: z.boolean(),
  reason: feedbackReason.optional(),
});
export type SubmitMemberFeedbackInput = z.infer<typeof submitMemberFeedbackInput>;

export const listFeedbackInput = z
  .object({
    botId: z.uuid().optional(),
    conversationId: z.uuid().optional(),
    helpful: z.boolean().optional(),
    source: z.enum(FEEDBACK_SOURCES).optional(),
    from: instant.optional(),
    to: instant.optional(),
    /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage);
export type ListFeedbackInput = z.infer<typeof listFeedbackInput>;

export const feedbackPageOutput = z
  .object({ items: z.array(feedbackOutput), nextCursor: z.string().nullable() })
  .meta({ id: "FeedbackPage" });

// One resource comes back wrapped in its name (docs/api-conventions.md, "Answers").
export const conversationResultOutput = z
  .object({ conversation: conversationOutput })
  .meta({ id: "ConversationResult" });
export const messageResultOutput = z.object({ message: messageOutput }).meta({ id: "MessageResult" });
export const feedbackResultOutput = z.object({ feedback: feedbackOutput }).meta({ id: "FeedbackResult" });
