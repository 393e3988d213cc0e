import { MESSAGE_ROLES } from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../../core/pagination";
import { feedbackReason, messageContent } from "../../conversations/index";
import { leadFields } from "../../leads/index";

export const sendWidgetMessageInput = z.object({ conversationId: z.uuid(), content: messageContent });
export type SendWidgetMessageInput = z.infer<typeof sendWidgetMessageInput>;

export const listWidgetMessagesInput = z.object({
  conversationId: z.uuid(),
  /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
  ...pageFields,
});
export type ListWidgetMessagesInput = z.infer<typeof listWidgetMessagesInput>;

export const widgetFeedbackInput = z.object({
  messageId: z.uuid(),
  helpful: z.boolean(),
  reason: feedbackReason.optional(),
});
export type WidgetFeedbackInput = z.infer<typeof widgetFeedbackInput>;

export const widgetLeadInput = z.object({ conversationId: z.uuid(), ...leadFields });
export type WidgetLeadInput = z.infer<typeof widgetLeadInput>;

/** What a visitor sees of a message: no internal metadata, no author ids. */
export const widgetMessageOutput = z
  .object({
    id: z.uuid(),
    role: z.enum(MESSAGE_ROLES),
    content: z.string(),
    createdAt: z.date(),
  })
  .meta({ id: "WidgetMessage" });

export const widgetCitation = z
  .object({
    sourceId: z.uuid(),
    documentId: z.uuid(),
    chunkId: z.uuid(),
    title: z.string(),
    url: z.string().nullable(),
  })
  .meta({ id: "Citation" });

/** The streamed exchange over tRPC: Server-Sent Event chunks (`delta`, then `done` or `error`). */
export const widgetEventStreamOutput = z.custom<AsyncIterable<string>>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] === "function",
  "Expected a stream of events",
);

export const widgetExchangeOutput = z
  .object({
    message: widgetMessageOutput,
    /** null while people own the conversation: the bot stays silent and an agent answers. */
    reply: widgetMessageOutput
      .extend({
        /** `answer` from the knowledge, the bot's `fallback` message, or its `out_of_hours` message. */
        kind: z.enum(["answer", "fallback", "out_of_hours"]),
        /** Where a model's answer came from; empty for Q/A answers and fallbacks. */
        citations: z.array(widgetCitation),
      })
      .nullable(),
    conversation: z.object({
      id: z.uuid(),
      /** `escalated` once the conversation was handed to a human. */
      status: z.enum(["open", "escalated", "resolved"]),
    }),
  })
  .meta({ id: "WidgetExchange" });

export const widgetMessagePageOutput = z
  .object({ items: z.array(widgetMessageOutput), nextCursor: z.string().nullable() })
  .meta({ id: "WidgetMessagePage" });

export const widgetFeedbackOutput = z
  .object({
    id: z.uuid(),
    messageId: z.uuid(),
    helpful: z.boolean(),
    reason: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "WidgetFeedback" });

/** Only the lead's id: a visitor never reads back what others submitted under the same email. */
export const widgetLeadOutput = z.object({ leadId: z.uuid() }).meta({ id: "WidgetLeadReceipt" });

export const widgetFeedbackResultOutput = z
  .object({ feedback: widgetFeedbackOutput })
  .meta({ id: "WidgetFeedbackResult" });

export const widgetHandoffInput = z.object({ conversationId: z.uuid() });
export type WidgetHandoffInput = z.infer<typeof widgetHandoffInput>;

export const widgetHandoffOutput = z
  .object({
    conversation: z.object({ id: z.uuid(), status: z.literal("escalated") }),
    /** false when the conversation's ticket was already open: asking again changes nothing. */
    created: z.boolean(),
    /** What the widget shows the visitor. */
    notice: z.string(),
  })
  .meta({ id: "WidgetHandoff" });
export type WidgetHandoffOutput = z.infer<typeof widgetHandoffOutput>;
