import {
  auditEvents,
  conversations,
  type ExportKind,
  eq,
  escalationTickets,
  feedback,
  knowledgeDocuments,
  knowledgeEntries,
  leads,
  messages,
  usageEvents,
} from "@kyro/db";
import { AUDIT_EVENT_COLUMNS } from "../shared/audit-columns";
import { type ExportSource, keptOr, masked, source } from "./sources";

/**
 * What each export kind contains: the selected columns (their names are the file's columns, in order),
 * the permission that reads the data elsewhere, and how personal values follow the PII option.
 */

const MESSAGE_COLUMNS = {
  id: messages.id,
  conversationId: messages.conversationId,
  botId: messages.botId,
  channel: conversations.channel,
  conversationStatus: conversations.status,
  endUserId: conversations.endUserId,
  origin: conversations.origin,
  conversationCreatedAt: conversations.createdAt,
  role: messages.role,
  content: messages.content,
  authorId: messages.authorId,
  createdAt: messages.createdAt,
};

const LEAD_COLUMNS = {
  id: leads.id,
  botId: leads.botId,
  conversationId: leads.conversationId,
  email: leads.email,
  name: leads.name,
  phone: leads.phone,
  customFields: leads.customFields,
  source: leads.source,
  createdAt: leads.createdAt,
  updatedAt: leads.updatedAt,
};

const FEEDBACK_COLUMNS = {
  id: feedback.id,
  botId: feedback.botId,
  conversationId: feedback.conversationId,
  messageId: feedback.messageId,
  source: feedback.source,
  userId: feedback.userId,
  helpful: feedback.helpful,
  reason: feedback.reason,
  createdAt: feedback.createdAt,
};

const TICKET_COLUMNS = {
  id: escalationTickets.id,
  botId: escalationTickets.botId,
  conversationId: escalationTickets.conversationId,
  status: escalationTickets.status,
  priority: escalationTickets.priority,
  channel: escalationTickets.channel,
  reason: escalationTickets.reason,
  subject: escalationTickets.subject,
  assigneeId: escalationTickets.assigneeId,
  resolvedAt: escalationTickets.resolvedAt,
  closedAt: escalationTickets.closedAt,
  createdAt: escalationTickets.createdAt,
  updatedAt: escalationTickets.updatedAt,
};

const USAGE_COLUMNS = {
  id: usageEvents.id,
  botId: usageEvents.botId,
  conversationId: usageEvents.conversationId,
  userId: usageEvents.userId,
  endUserId: usageEvents.endUserId,
  model: usageEvents.model,
  kind: usageEvents.kind,
  inputTokens: usageEvents.inputTokens,
  outputTokens: usageEvents.outputTokens,
  costMicros: usageEvents.costMicros,
  createdAt: usageEvents.createdAt,
};

/** Q&A entries and source documents in one file: each row fills the columns of its kind. */
const KNOWLEDGE_COLUMNS = [
  "id",
  "type",
  "botId",
  "sourceId",
  "question",
  "answer",
  "tags",
  "url",
  "tokens",
  "title",
  "createdAt",
] as const;

export const EXPORT_SOURCES: Record<ExportKind, ExportSource> = {
  conversations: source("conversations:read", Object.keys(MESSAGE_COLUMNS), {
    table: messages,
    select: (db) =>
      db
        .select(MESSAGE_COLUMNS)
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId)),
    personal: { endUserId: masked },
  }),
  leads: source("leads:export", Object.keys(LEAD_COLUMNS), {
    table: leads,
    select: (db) => db.select(LEAD_COLUMNS).from(leads),
    personal: { email: masked, name: keptOr(null), phone: keptOr(null), customFields: keptOr({}) },
  }),
  feedback: source("conversations:read", Object.keys(FEEDBACK_COLUMNS), {
    table: feedback,
    select: (db) => db.select(FEEDBACK_COLUMNS).from(feedback),
  }),
  tickets: source("escalations:read", Object.keys(TICKET_COLUMNS), {
    table: escalationTickets,
    select: (db) => db.select(TICKET_COLUMNS).from(escalationTickets),
  }),
  knowledge: source(
    "bots:read",
    KNOWLEDGE_COLUMNS,
    {
      table: knowledgeEntries,
      select: (db) =>
        db
          .select({
            id: knowledgeEntries.id,
            botId: knowledgeEntries.botId,
            question: knowledgeEntries.question,
            answer: knowledgeEntries.answer,
            tags: knowledgeEntries.tags,
            createdAt: knowledgeEntries.createdAt,
          })
          .from(knowledgeEntries),
      constants: { type: "entry" },
    },
    {
      table: knowledgeDocuments,
      select: (db) =>
        db
          .select({
            id: knowledgeDocuments.id,
            botId: knowledgeDocuments.botId,
            sourceId: knowledgeDocuments.sourceId,
            title: knowledgeDocuments.title,
            url: knowledgeDocuments.url,
            tokens: knowledgeDocuments.tokens,
            createdAt: knowledgeDocuments.createdAt,
          })
          .from(knowledgeDocuments),
      constants: { type: "document" },
    },
  ),
  // Audit events concern the org, not one bot: the bot filter does not apply (no botId column given).
  audit: source("audit:export", Object.keys(AUDIT_EVENT_COLUMNS), {
    table: { id: auditEvents.id, orgId: auditEvents.orgId, createdAt: auditEvents.createdAt },
    select: (db) => db.select(AUDIT_EVENT_COLUMNS).from(auditEvents),
    // Actor labels are members' emails; addresses identify people too.
    personal: { actorLabel: masked, ip: masked },
  }),
  usage: source("ai:read", Object.keys(USAGE_COLUMNS), {
    table: usageEvents,
    select: (db) => db.select(USAGE_COLUMNS).from(usageEvents),
    personal: { endUserId: masked },
  }),
};
