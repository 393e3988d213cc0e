import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { bots, botVersions } from "./bots";
import { createdAt, id, updatedAt } from "./columns";
import { organizations } from "./organizations";
import { users } from "./users";

export const CONVERSATION_STATUSES = ["open", "escalated", "resolved"] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const MESSAGE_ROLES = ["visitor", "bot", "agent"] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export const conversations = pgTable(
  "conversations",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    status: text().$type<ConversationStatus>().notNull().default("open"),
    /** `widget` for visitor sessions, `api` for conversations started by a key or member. */
    channel: text().notNull().default("widget"),
    /** The verified end-user id when the widget identified the visitor (userId + userHash). */
    endUserId: text(),
    /** The page origin the widget session was opened from. */
    origin: text(),
    /** The published bot version active when the conversation started (null: unpublished config). */
    botVersionId: uuid().references(() => botVersions.id, { onDelete: "set null" }),
    /** Bot replies in a row that were the fallback message; escalation rules read it. */
    consecutiveFallbacks: integer().notNull().default(0),
    messageCount: integer().notNull().default(0),
    hasFeedback: boolean().notNull().default(false),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** The member who owns the conversation; null while the bot (or the unassigned human queue) has it. */
    assigneeId: uuid().references(() => users.id, { onDelete: "set null" }),
    /** Labels agents put on the conversation (lower-cased, unique). */
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    lastMessageAt: timestamp({ withTimezone: true }),
    escalatedAt: timestamp({ withTimezone: true }),
    resolvedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("conversations_org_idx").on(t.orgId, t.id),
    index("conversations_org_bot_idx").on(t.orgId, t.botId, t.id),
    index("conversations_org_status_idx").on(t.orgId, t.status, t.id),
    index("conversations_org_assignee_idx").on(t.orgId, t.assigneeId, t.id),
    // Analytics: a bucket's conversations, and an identified visitor's return within 7 days.
    index("conversations_org_bot_created_idx").on(t.orgId, t.botId, t.createdAt),
    index("conversations_bot_end_user_idx")
      .on(t.botId, t.endUserId, t.createdAt)
      .where(sql`${t.endUserId} is not null`),
    check("conversations_status_check", sql`${t.status} in ('open', 'escalated', 'resolved')`),
  ],
);

export const messages = pgTable(
  "messages",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    role: text().$type<MessageRole>().notNull(),
    content: text().notNull(),
    /** The member who wrote an agent message. */
    authorId: uuid().references(() => users.id, { onDelete: "set null" }),
    botVersionId: uuid().references(() => botVersions.id, { onDelete: "set null" }),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index("messages_conversation_idx").on(t.conversationId, t.id),
    index("messages_org_idx").on(t.orgId, t.createdAt),
    // Keyset pages over an org's messages in id (time) order: exports.
    index("messages_org_id_idx").on(t.orgId, t.id),
    check("messages_role_check", sql`${t.role} in ('visitor', 'bot', 'agent')`),
  ],
);

export const FEEDBACK_SOURCES = ["widget", "member"] as const;
export type FeedbackSource = (typeof FEEDBACK_SOURCES)[number];

/** Visitors' thumbs from the widget and members' QA signals share this table. */
export const feedback = pgTable(
  "feedback",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    messageId: uuid()
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    source: text().$type<FeedbackSource>().notNull(),
    /** The member who gave it (source `member`). */
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    helpful: boolean().notNull(),
    reason: text(),
    /** Bot config version active when the feedback was given. */
    botVersionId: uuid().references(() => botVersions.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("feedback_org_idx").on(t.orgId, t.id),
    index("feedback_conversation_idx").on(t.conversationId),
    index("feedback_org_created_idx").on(t.orgId, t.createdAt),
    uniqueIndex("feedback_widget_message_key").on(t.messageId).where(sql`${t.source} = 'widget'`),
    uniqueIndex("feedback_member_message_key").on(t.messageId, t.userId).where(sql`${t.source} = 'member'`),
    check("feedback_source_check", sql`${t.source} in ('widget', 'member')`),
  ],
);

/** Contact details a visitor left (or an API caller created); one row per email per bot. */
export const leads = pgTable(
  "leads",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    conversationId: uuid().references(() => conversations.id, { onDelete: "set null" }),
    /** Lower-cased and trimmed: the deduplication key within a bot. */
    email: text().notNull(),
    name: text(),
    phone: text(),
    customFields: jsonb().$type<Record<string, string>>().notNull().default({}),
    source: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("leads_bot_email_key").on(t.botId, t.email),
    index("leads_org_idx").on(t.orgId, t.id),
    index("leads_org_created_idx").on(t.orgId, t.createdAt),
  ],
);
