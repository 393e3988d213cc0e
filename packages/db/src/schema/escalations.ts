import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { bots } from "./bots";
import { createdAt, id, updatedAt } from "./columns";
import { conversations } from "./conversations";
import { organizations } from "./organizations";
import { users } from "./users";

export const TICKET_STATUSES = ["open", "pending", "in_progress", "resolved", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_CHANNELS = ["widget", "email", "webhook", "api"] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];
/** What opened the ticket: a rule of the bot, the visitor, a member, an action's result, or an API call. */
export const TICKET_REASONS = ["keyword", "fallbacks", "visitor", "agent", "action", "manual"] as const;
export type TicketReason = (typeof TICKET_REASONS)[number];
export const TICKET_EVENT_TYPES = ["created", "status_changed", "assigned", "commented"] as const;
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number];
/** A ticket event's mail: queued, sent, failed (retrying or given up), or nobody to mail. */
export const DISPATCH_STATUSES = ["pending", "sent", "failed", "skipped"] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

/** An escalation ticket: a conversation (or an API caller's request) handed to people. */
export const escalationTickets = pgTable(
  "escalation_tickets",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    conversationId: uuid().references(() => conversations.id, { onDelete: "set null" }),
    status: text().$type<TicketStatus>().notNull().default("open"),
    priority: text().$type<TicketPriority>().notNull().default("normal"),
    channel: text().$type<TicketChannel>().notNull(),
    reason: text().$type<TicketReason>().notNull(),
    subject: text().notNull(),
    assigneeId: uuid().references(() => users.id, { onDelete: "set null" }),
    /** The last message of the conversation when the ticket opened: the transcript up to it. */
    transcriptMessageId: uuid(),
    pendingAt: timestamp({ withTimezone: true }),
    inProgressAt: timestamp({ withTimezone: true }),
    resolvedAt: timestamp({ withTimezone: true }),
    closedAt: timestamp({ withTimezone: true }),
    reopenedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("escalation_tickets_org_idx").on(t.orgId, t.id),
    index("escalation_tickets_org_status_idx").on(t.orgId, t.status, t.id),
    index("escalation_tickets_org_assignee_idx").on(t.orgId, t.assigneeId, t.id),
    index("escalation_tickets_conversation_idx").on(t.conversationId),
    index("escalation_tickets_org_created_idx").on(t.orgId, t.createdAt),
    check(
      "escalation_tickets_status_check",
      sql`${t.status} in ('open', 'pending', 'in_progress', 'resolved', 'closed')`,
    ),
    check("escalation_tickets_priority_check", sql`${t.priority} in ('low', 'normal', 'high', 'urgent')`),
    check("escalation_tickets_channel_check", sql`${t.channel} in ('widget', 'email', 'webhook', 'api')`),
  ],
);

/**
 * A ticket's log: creation, status changes, assignments and comments, each with the mail it owes
 * (dispatched by a job enqueued in the same transaction; attempts and the last error stay visible).
 */
export const escalationTicketEvents = pgTable(
  "escalation_ticket_events",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    ticketId: uuid()
      .notNull()
      .references(() => escalationTickets.id, { onDelete: "cascade" }),
    type: text().$type<TicketEventType>().notNull(),
    /** The member who did it; null for the bot, a visitor or an API key. */
    actorId: uuid().references(() => users.id, { onDelete: "set null" }),
    fromStatus: text().$type<TicketStatus>(),
    toStatus: text().$type<TicketStatus>(),
    assigneeId: uuid().references(() => users.id, { onDelete: "set null" }),
    body: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    dispatchStatus: text().$type<DispatchStatus>(),
    dispatchAttempts: integer().notNull().default(0),
    dispatchError: text(),
    dispatchedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("escalation_ticket_events_ticket_idx").on(t.ticketId, t.id),
    check(
      "escalation_ticket_events_type_check",
      sql`${t.type} in ('created', 'status_changed', 'assigned', 'commented')`,
    ),
  ],
);
