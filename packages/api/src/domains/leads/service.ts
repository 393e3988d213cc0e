import { and, conversations, desc, type Executor, eq, gte, leads, lt, type SQL, sql } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { notFound } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import type { OrgScope } from "../../core/org-scope";
import { decodeCursor, pageOf } from "../../core/pagination";
import type { Principal } from "../../core/principal";
import type { RequestInfo } from "../../core/request-info";
import { csvRecord } from "../shared/csv";
import { pagedExport } from "../shared/export-stream";
import { assertOrgBot, restrictedBotOf } from "../shared/org-bots";
import type {
  CreateLeadInput,
  ExportLeadsInput,
  LeadDetails,
  LeadFilters,
  LeadOutput,
  ListLeadsInput,
} from "./schemas";

export interface LeadsContext {
  deps: Pick<AppDeps, "db">;
  org: OrgScope;
  principal: Principal;
}

/** Rows per query while exporting: memory stays flat however many leads there are. */
export const LEAD_EXPORT_PAGE_SIZE = 500;

const leadColumns = {
  id: leads.id,
  botId: leads.botId,
  conversationId: leads.conversationId,
  email: leads.email,
  name: leads.name,
  phone: leads.phone,
  customFields: leads.customFields,
  source: sql<LeadOutput["source"]>`${leads.source}`,
  createdAt: leads.createdAt,
  updatedAt: leads.updatedAt,
};

export interface LeadSubmission extends LeadDetails {
  orgId: string;
  botId: string;
  conversationId: string | null;
  source: LeadOutput["source"];
  /** Set for an anonymous widget visitor, whose rights over an existing lead are limited (see `upsertLead`). */
  visitor?: { endUserId: string | null };
}

/**
 * Whether the submission may change the existing lead's values: members and API callers always may;
 * a widget visitor only from the conversation the lead is linked to (the session that left it) or as
 * the same verified end user. SQL over the conflicting row, so the check and the write are one statement.
 */
function mayOverwrite(visitor: LeadSubmission["visitor"]): SQL {
  if (!visitor) return sql`true`;
  const sameConversation = sql`coalesce(${leads.conversationId} = excluded.conversation_id, false)`;
  if (visitor.endUserId === null) return sameConversation;
  return sql`(${sameConversation} or exists (select 1 from ${conversations}
    where ${conversations.id} = ${leads.conversationId} and ${conversations.endUserId} = ${visitor.endUserId}))`;
}

/**
 * One lead per email per bot: the first submission creates it (and emits `lead.created`). A later one
 * that may overwrite (see `mayOverwrite`) updates it in place — given name and phone replace the old
 * ones, omitted ones are kept, custom fields merge (new values win) and the latest conversation is
 * remembered. Any other visitor only fills what the lead lacks — an empty name or phone, custom fields
 * it does not have — so nobody who merely knows an address can change what another person left.
 * Runs in the caller's transaction.
 */
export async function upsertLead(
  tx: Executor,
  submission: LeadSubmission,
): Promise<{ lead: LeadOutput; created: boolean }> {
  const owner = mayOverwrite(submission.visitor);
  const [row] = await tx
    .insert(leads)
    .values({
      orgId: submission.orgId,
      botId: submission.botId,
      conversationId: submission.conversationId,
      email: submission.email,
      name: submission.name ?? null,
      phone: submission.phone ?? null,
      customFields: submission.customFields ?? {},
      source: submission.source,
    })
    .onConflictDoUpdate({
      target: [leads.botId, leads.email],
      set: {
        name: sql`case when ${owner} then coalesce(excluded.name, ${leads.name})
          else coalesce(${leads.name}, excluded.name) end`,
        phone: sql`case when ${owner} then coalesce(excluded.phone, ${leads.phone})
          else coalesce(${leads.phone}, excluded.phone) end`,
        customFields: sql`case when ${owner} then ${leads.customFields} || excluded.custom_fields
          else excluded.custom_fields || ${leads.customFields} end`,
        conversationId: sql`case when ${owner} then coalesce(excluded.conversation_id, ${leads.conversationId})
          else ${leads.conversationId} end`,
        updatedAt: new Date(),
      },
    })
    // xmax is 0 only on a row this statement inserted.
    .returning({ ...leadColumns, created: sql<boolean>`(xmax = 0)` });
  if (!row) throw new Error("lead upsert returned no row");
  const { created, ...lead } = row;
  if (created) {
    await emitEvent(tx, {
      orgId: submission.orgId,
      type: "lead.created",
      data: {
        leadId: lead.id,
        botId: lead.botId,
        conversationId: lead.conversationId,
        email: lead.email,
        name: lead.name,
        phone: lead.phone,
      },
    });
  }
  return { lead, created };
}

/** A lead from a member or API caller; a named conversation must be one of that bot's. Audited. */
export async function createLead(
  ctx: LeadsContext & { audit: AuditScope },
  input: CreateLeadInput,
): Promise<LeadOutput & { created: boolean }> {
  const { db } = ctx.deps;
  await assertOrgBot(db, ctx.principal, ctx.org.orgId, input.botId);
  if (input.conversationId) {
    const [conversation] = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(
          eq(conversations.id, input.conversationId),
          eq(conversations.orgId, ctx.org.orgId),
          eq(conversations.botId, input.botId),
        ),
      )
      .limit(1);
    if (!conversation) throw notFound("Conversation");
  }
  return db.transaction(async (tx) => {
    const { lead, created } = await upsertLead(tx, {
      ...input,
      orgId: ctx.org.orgId,
      conversationId: input.conversationId ?? null,
      source: "api",
    });
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: created ? "lead.created" : "lead.updated",
      resourceType: "lead",
      resourceId: lead.id,
      after: { botId: lead.botId, email: lead.email, name: lead.name, phone: lead.phone },
    });
    return { ...lead, created };
  });
}

function conditions(ctx: LeadsContext, filters: LeadFilters): SQL[] {
  const where: SQL[] = [eq(leads.orgId, ctx.org.orgId)];
  const onlyBot = restrictedBotOf(ctx.principal);
  if (onlyBot) where.push(eq(leads.botId, onlyBot));
  if (filters.botId) where.push(eq(leads.botId, filters.botId));
  if (filters.from) where.push(gte(leads.createdAt, new Date(filters.from)));
  if (filters.to) where.push(lt(leads.createdAt, new Date(filters.to)));
  if (filters.email) where.push(eq(leads.email, filters.email));
  return where;
}

async function selectPage(
  ctx: LeadsContext,
  filters: LeadFilters,
  beforeId: string | null,
  size: number,
): Promise<LeadOutput[]> {
  const where = conditions(ctx, filters);
  if (beforeId) where.push(lt(leads.id, beforeId));
  return ctx.deps.db
    .select(leadColumns)
    .from(leads)
    .where(and(...where))
    .orderBy(desc(leads.id))
    .limit(size);
}

export async function listLeads(
  ctx: LeadsContext,
  input: ListLeadsInput,
): Promise<{ items: LeadOutput[]; nextCursor: string | null }> {
  const { cursor, limit, ...filters } = input;
  if (filters.botId) await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, filters.botId);
  const rows = await selectPage(ctx, filters, cursor ? decodeCursor(cursor) : null, limit + 1);
  return pageOf(rows, limit);
}

export async function getLead(ctx: LeadsContext, leadId: string): Promise<LeadOutput> {
  const [row] = await ctx.deps.db
    .select(leadColumns)
    .from(leads)
    .where(and(...conditions(ctx, {}), eq(leads.id, leadId)))
    .limit(1);
  if (!row) throw notFound("Lead");
  return row;
}

const CSV_COLUMNS = [
  "id",
  "createdAt",
  "updatedAt",
  "botId",
  "conversationId",
  "email",
  "name",
  "phone",
  "source",
  "customFields",
] as const;

function csvLine(lead: LeadOutput): string {
  return csvRecord([
    lead.id,
    lead.createdAt.toISOString(),
    lead.updatedAt.toISOString(),
    lead.botId,
    lead.conversationId,
    lead.email,
    lead.name,
    lead.phone,
    lead.source,
    JSON.stringify(lead.customFields),
  ]);
}

/**
 * Streams every matching lead, newest first, as CSV (cells that look like formulas get a leading
 * apostrophe) or as one JSON array sent in pieces — one chunk per page, like the audit export. The bot
 * check and the first page run before anything is sent (see `pagedExport`).
 */
export async function* exportLeads(
  ctx: LeadsContext & { request: Pick<RequestInfo, "requestId"> },
  input: ExportLeadsInput,
): AsyncGenerator<string, void, undefined> {
  const { format, ...filters } = input;
  if (filters.botId) await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, filters.botId);
  yield* pagedExport({
    format,
    requestId: ctx.request.requestId,
    pageSize: LEAD_EXPORT_PAGE_SIZE,
    page: (last) => selectPage(ctx, filters, last?.id ?? null, LEAD_EXPORT_PAGE_SIZE),
    csvColumns: CSV_COLUMNS,
    csvLine,
  });
}
