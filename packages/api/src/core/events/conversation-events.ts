import { z } from "zod";
import { define } from "./define";

const TICKET_STATUS = z.enum(["open", "pending", "in_progress", "resolved", "closed"]);
const TICKET_REASON = z.enum(["keyword", "fallbacks", "visitor", "agent", "action", "manual"]);
/** What every `ticket.*` event says about the ticket as it is after the change. */
const TICKET = z.object({
  ticketId: z.uuid(),
  botId: z.uuid(),
  conversationId: z.uuid().nullable(),
  status: TICKET_STATUS,
  priority: z.enum(["low", "normal", "high", "urgent"]),
  channel: z.enum(["widget", "email", "webhook", "api"]),
  assigneeId: z.uuid().nullable(),
  subject: z.string(),
});

/** Conversations, their messages, feedback and leads, and escalation tickets. */
export const CONVERSATION_EVENTS = {
  "conversation.created": define({
    version: 1,
    description: "A conversation started.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      channel: z.string(),
      endUserId: z.string().nullable(),
    }),
  }),
  "conversation.escalated": define({
    version: 1,
    description:
      "A conversation was handed to people (keyword, repeated fallbacks, the visitor's request, an agent's decision, an action's result or an API call); `ticketId` is the ticket it opened.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      reason: TICKET_REASON,
      keyword: z.string().nullable(),
      ticketId: z.uuid().optional(),
    }),
  }),
  "conversation.assigned": define({
    version: 1,
    description: "A member took over a conversation (or it moved to another member); the bot stays silent.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      assigneeId: z.uuid(),
      previousAssigneeId: z.uuid().nullable(),
      assignedBy: z.uuid().nullable(),
    }),
  }),
  "conversation.unassigned": define({
    version: 1,
    description:
      "The member holding a conversation let it go (its ticket was unassigned): it waits in the shared queue and the bot stays silent.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      previousAssigneeId: z.uuid(),
      unassignedBy: z.uuid().nullable(),
    }),
  }),
  "conversation.handed_back": define({
    version: 1,
    description: "People handed a conversation back to the bot, which answers the visitor again.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      previousAssigneeId: z.uuid().nullable(),
      handedBackBy: z.uuid().nullable(),
    }),
  }),
  "ticket.created": define({
    version: 1,
    description: "An escalation ticket was opened.",
    schema: TICKET.extend({ reason: TICKET_REASON }),
  }),
  "ticket.status_changed": define({
    version: 1,
    description: "An escalation ticket moved to another status (`reopened` when it went back to open).",
    schema: TICKET.extend({ previousStatus: TICKET_STATUS, changedBy: z.uuid().nullable() }),
  }),
  "ticket.assigned": define({
    version: 1,
    description: "An escalation ticket was assigned to a member, or unassigned (`assigneeId` null).",
    schema: TICKET.extend({ previousAssigneeId: z.uuid().nullable(), assignedBy: z.uuid().nullable() }),
  }),
  "ticket.commented": define({
    version: 1,
    description: "A member commented on an escalation ticket.",
    schema: TICKET.extend({ commentId: z.uuid(), authorId: z.uuid().nullable(), body: z.string() }),
  }),
  "conversation.resolved": define({
    version: 1,
    description: "A conversation was marked resolved.",
    schema: z.object({ conversationId: z.uuid(), botId: z.uuid(), resolvedBy: z.uuid().nullable() }),
  }),
  "message.created": define({
    version: 1,
    description: "A visitor, bot or agent message was stored.",
    schema: z.object({
      messageId: z.uuid(),
      conversationId: z.uuid(),
      botId: z.uuid(),
      role: z.enum(["visitor", "bot", "agent"]),
      content: z.string(),
      createdAt: z.iso.datetime(),
    }),
  }),
  "feedback.created": define({
    version: 1,
    description: "Feedback was given on a message (visitor or member).",
    schema: z.object({
      feedbackId: z.uuid(),
      messageId: z.uuid(),
      conversationId: z.uuid(),
      botId: z.uuid(),
      source: z.enum(["widget", "member"]),
      helpful: z.boolean(),
      reason: z.string().nullable(),
    }),
  }),
  "lead.created": define({
    version: 1,
    description: "A visitor (or an API caller) left contact details.",
    schema: z.object({
      leadId: z.uuid(),
      botId: z.uuid(),
      conversationId: z.uuid().nullable(),
      email: z.string(),
      name: z.string().nullable(),
      phone: z.string().nullable(),
    }),
  }),
} as const;
