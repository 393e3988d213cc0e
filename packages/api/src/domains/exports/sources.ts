import {
  type AnyPgColumn,
  and,
  asc,
  auditEvents,
  conversations,
  count,
  type Executor,
  type ExportKind,
  eq,
  escalationTickets,
  feedback,
  gt,
  gte,
  knowledgeDocuments,
  knowledgeEntries,
  leads,
  lt,
  messages,
  type SQL,
  usageEvents,
} from "@kyro/db";
import type { Permission } from "../../core/policy";
import { AUDIT_EVENT_COLUMNS } from "../shared/audit-columns";

/** Replaces a personal value as the export's PII option asks: as it is, a keyed hash, or null. */
export interface Mask {
  (value: string | null): string | null;
  /** Whether personal values are exported as they are (`include`). */
  readonly keeps: boolean;
}

export interface SourceContext {
  db: Executor;
  orgId: string;
  botId: string | null;
  from: Date | null;
  to: Date | null;
  mask: Mask;
}

/** One row as cells in the source's column order; the first cell is the row's id (the keyset). */
export type Row = unknown[];

interface Segment {
  /** The rows after `afterId` in id order (UUIDv7: time order), at most `size`. */
  page(ctx: SourceContext, afterId: string | null, size: number): Promise<Row[]>;
  count(ctx: SourceContext): Promise<number>;
}

export interface ExportSource {
  /** What the caller needs besides `exports:manage`: the permission that reads this data elsewhere. */
  permission: Permission;
  columns: readonly string[];
  /** Read one after the other (knowledge: Q&A entries, then source documents). */
  segments: readonly Segment[];
}

interface Table {
  id: AnyPgColumn;
  orgId: AnyPgColumn;
  createdAt: AnyPgColumn;
  botId?: AnyPgColumn;
}

function filters(ctx: SourceContext, table: Table, afterId: string | null): SQL | undefined {
  const where: (SQL | undefined)[] = [eq(table.orgId, ctx.orgId)];
  if (ctx.botId && table.botId) where.push(eq(table.botId, ctx.botId));
  if (ctx.from) where.push(gte(table.createdAt, ctx.from));
  if (ctx.to) where.push(lt(table.createdAt, ctx.to));
  if (afterId) where.push(gt(table.id, afterId));
  return and(...where);
}

/** A segment over one table: `select` builds the page query, `cells` turns a result row into cells. */
function segment<Result>(
  table: Table,
  select: (db: Executor) => {
    where(condition: SQL | undefined): {
      orderBy(column: SQL | AnyPgColumn): { limit(size: number): Promise<Result[]> };
    };
  },
  cells: (row: Result, mask: Mask) => Row,
): Segment {
  return {
    async page(ctx, afterId, size) {
      const rows = await select(ctx.db)
        .where(filters(ctx, table, afterId))
        .orderBy(asc(table.id))
        .limit(size);
      return rows.map((row) => cells(row, ctx.mask));
    },
    async count(ctx) {
      const [row] = await ctx.db
        .select({ total: count() })
        .from(table.id.table)
        .where(filters(ctx, table, null));
      return row?.total ?? 0;
    },
  };
}

const messagesSegment = segment(
  messages,
  (db) =>
    db
      .select({
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
      })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId)),
  (r, mask) => [
    r.id,
    r.conversationId,
    r.botId,
    r.channel,
    r.conversationStatus,
    mask(r.endUserId),
    r.origin,
    r.conversationCreatedAt,
    r.role,
    r.content,
    r.authorId,
    r.createdAt,
  ],
);

const leadsSegment = segment(
  leads,
  (db) =>
    db
      .select({
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
      })
      .from(leads),
  // Name, phone and custom fields identify the person as much as the email does: kept only with `include`.
  (r, mask) => {
    const hidden = !mask.keeps;
    return [
      r.id,
      r.botId,
      r.conversationId,
      mask(r.email),
      hidden ? null : r.name,
      hidden ? null : r.phone,
      hidden ? {} : r.customFields,
      r.source,
      r.createdAt,
      r.updatedAt,
    ];
  },
);

const feedbackSegment = segment(
  feedback,
  (db) =>
    db
      .select({
        id: feedback.id,
        botId: feedback.botId,
        conversationId: feedback.conversationId,
        messageId: feedback.messageId,
        source: feedback.source,
        userId: feedback.userId,
        helpful: feedback.helpful,
        reason: feedback.reason,
        createdAt: feedback.createdAt,
      })
      .from(feedback),
  (r) => [r.id, r.botId, r.conversationId, r.messageId, r.source, r.userId, r.helpful, r.reason, r.createdAt],
);

const ticketsSegment = segment(
  escalationTickets,
  (db) =>
    db
      .select({
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
      })
      .from(escalationTickets),
  (r) => [
    r.id,
    r.botId,
    r.conversationId,
    r.status,
    r.priority,
    r.channel,
    r.reason,
    r.subject,
    r.assigneeId,
    r.resolvedAt,
    r.closedAt,
    r.createdAt,
    r.updatedAt,
  ],
);

const entriesSegment = segment(
  knowledgeEntries,
  (db) =>
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
  (r) => [r.id, "entry", r.botId, null, r.question, r.answer, r.tags, null, null, null, r.createdAt],
);

const documentsSegment = segment(
  knowledgeDocuments,
  (db) =>
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
  (r) => [r.id, "document", r.botId, r.sourceId, null, null, null, r.url, r.tokens, r.title, r.createdAt],
);

// Audit events concern the org, not one bot: the bot filter does not apply (no botId column given).
const auditSegment = segment(
  { id: auditEvents.id, orgId: auditEvents.orgId, createdAt: auditEvents.createdAt },
  (db) => db.select(AUDIT_EVENT_COLUMNS).from(auditEvents),
  // Actor labels are members' emails; addresses identify people too.
  (r, mask) => [
    r.id,
    r.actorType,
    r.actorId,
    mask(r.actorLabel),
    r.action,
    r.resourceType,
    r.resourceId,
    r.requestId,
    mask(r.ip),
    r.userAgent,
    r.diff,
    r.createdAt,
  ],
);

const usageSegment = segment(
  usageEvents,
  (db) =>
    db
      .select({
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
      })
      .from(usageEvents),
  (r, mask) => [
    r.id,
    r.botId,
    r.conversationId,
    r.userId,
    mask(r.endUserId),
    r.model,
    r.kind,
    r.inputTokens,
    r.outputTokens,
    r.costMicros,
    r.createdAt,
  ],
);

export const EXPORT_SOURCES: Record<ExportKind, ExportSource> = {
  conversations: {
    permission: "conversations:read",
    columns: [
      "id",
      "conversationId",
      "botId",
      "channel",
      "conversationStatus",
      "endUserId",
      "origin",
      "conversationCreatedAt",
      "role",
      "content",
      "authorId",
      "createdAt",
    ],
    segments: [messagesSegment],
  },
  leads: {
    permission: "leads:export",
    columns: [
      "id",
      "botId",
      "conversationId",
      "email",
      "name",
      "phone",
      "customFields",
      "source",
      "createdAt",
      "updatedAt",
    ],
    segments: [leadsSegment],
  },
  feedback: {
    permission: "conversations:read",
    columns: [
      "id",
      "botId",
      "conversationId",
      "messageId",
      "source",
      "userId",
      "helpful",
      "reason",
      "createdAt",
    ],
    segments: [feedbackSegment],
  },
  tickets: {
    permission: "escalations:read",
    columns: [
      "id",
      "botId",
      "conversationId",
      "status",
      "priority",
      "channel",
      "reason",
      "subject",
      "assigneeId",
      "resolvedAt",
      "closedAt",
      "createdAt",
      "updatedAt",
    ],
    segments: [ticketsSegment],
  },
  knowledge: {
    permission: "bots:read",
    columns: [
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
    ],
    segments: [entriesSegment, documentsSegment],
  },
  audit: {
    permission: "audit:export",
    columns: [
      "id",
      "actorType",
      "actorId",
      "actorLabel",
      "action",
      "resourceType",
      "resourceId",
      "requestId",
      "ip",
      "userAgent",
      "diff",
      "createdAt",
    ],
    segments: [auditSegment],
  },
  usage: {
    permission: "ai:read",
    columns: [
      "id",
      "botId",
      "conversationId",
      "userId",
      "endUserId",
      "model",
      "kind",
      "inputTokens",
      "outputTokens",
      "costMicros",
      "createdAt",
    ],
    segments: [usageSegment],
  },
};
