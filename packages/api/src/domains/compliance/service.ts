import {
  actionRuns,
  and,
  conversations,
  count,
  domainEvents,
  eq,
  escalationTicketEvents,
  escalationTickets,
  feedback,
  inArray,
  leads,
  messages,
  newId,
  or,
  type SQL,
  sql,
  usageEvents,
} from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { emitEvent } from "../../core/events/emit";
import type { OrgScope } from "../../core/org-scope";
import { findContact } from "./contact";
import type { ContactExport, ContactInput, ErasureReceipt } from "./schemas";

export interface ComplianceContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
}

/** Rows whose JSON mentions the email anywhere (action inputs, event payloads): a plain substring test. */
const mentions = (json: SQL, email: string | undefined): SQL =>
  email ? sql`strpos(lower(${json}::text), ${email}) > 0` : sql`false`;

/** The person's action runs: about their conversations, or naming their email (erased and exported alike). */
const actionRunsOf = (orgId: string, contact: ContactInput, conversationIds: string[]): SQL | undefined =>
  and(
    eq(actionRuns.orgId, orgId),
    or(
      inArray(actionRuns.conversationId, conversationIds),
      mentions(sql`${actionRuns.input}`, contact.email),
    ),
  );

/** The person's usage rows: in their conversations, or under their widget userId. */
const usageOf = (orgId: string, contact: ContactInput, conversationIds: string[]): SQL | undefined =>
  and(
    eq(usageEvents.orgId, orgId),
    or(
      inArray(usageEvents.conversationId, conversationIds),
      contact.userId ? eq(usageEvents.endUserId, contact.userId) : sql`false`,
    ),
  );

/**
 * Erases a person in one transaction: their conversations (messages and feedback go with them), leads,
 * escalation tickets and action runs about those conversations or naming the email, and the events
 * (with their webhook deliveries) that carried any of it; usage rows are kept for billing but lose the
 * person. The audit log keeps its rows (it is the record of what happened, see data-lifecycle.md); the
 * receipt names the identifier's kind and the counts, never the identifier.
 */
export async function eraseContact(ctx: ComplianceContext, contact: ContactInput): Promise<ErasureReceipt> {
  const orgId = ctx.org.orgId;
  return ctx.deps.db.transaction(async (tx) => {
    const { leadIds, conversationIds } = await findContact(tx, orgId, contact);
    const inConversations = (column: Parameters<typeof inArray>[0]) => inArray(column, conversationIds);
    const [messageCount] = await tx
      .select({ n: count() })
      .from(messages)
      .where(and(eq(messages.orgId, orgId), inConversations(messages.conversationId)));
    const [feedbackCount] = await tx
      .select({ n: count() })
      .from(feedback)
      .where(and(eq(feedback.orgId, orgId), inConversations(feedback.conversationId)));
    const tickets = await tx
      .delete(escalationTickets)
      .where(and(eq(escalationTickets.orgId, orgId), inConversations(escalationTickets.conversationId)))
      .returning({ id: escalationTickets.id });
    const runs = await tx
      .delete(actionRuns)
      .where(actionRunsOf(orgId, contact, conversationIds))
      .returning({ id: actionRuns.id });
    const usage = await tx
      .update(usageEvents)
      .set({ endUserId: null, conversationId: null })
      .where(usageOf(orgId, contact, conversationIds))
      .returning({ id: usageEvents.id });
    const events = await tx
      .delete(domainEvents)
      .where(
        and(
          eq(domainEvents.orgId, orgId),
          or(
            inArray(sql`${domainEvents.data}->>'conversationId'`, conversationIds),
            inArray(sql`${domainEvents.data}->>'leadId'`, leadIds),
            mentions(sql`${domainEvents.data}`, contact.email),
          ),
        ),
      )
      .returning({ id: domainEvents.id });
    await tx.delete(leads).where(and(eq(leads.orgId, orgId), inArray(leads.id, leadIds)));
    await tx
      .delete(conversations)
      .where(and(eq(conversations.orgId, orgId), inArray(conversations.id, conversationIds)));

    const receipt: ErasureReceipt = {
      erasureId: newId(),
      identifiedBy: contact.email ? "email" : "userId",
      erasedAt: new Date(),
      counts: {
        conversations: conversationIds.length,
        messages: messageCount?.n ?? 0,
        feedback: feedbackCount?.n ?? 0,
        leads: leadIds.length,
        tickets: tickets.length,
        actionRuns: runs.length,
        events: events.length,
        usageEventsAnonymized: usage.length,
      },
    };
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "contact.erased",
      resourceType: "contact",
      resourceId: receipt.erasureId,
      after: { identifiedBy: receipt.identifiedBy, counts: receipt.counts },
    });
    await emitEvent(tx, {
      orgId,
      type: "contact.erased",
      data: { erasureId: receipt.erasureId, identifiedBy: receipt.identifiedBy, conversationIds, leadIds },
    });
    return receipt;
  });
}

/** Everything Kyro holds about the person in this org, as one document; audited as `contact.exported`. */
export async function exportContact(ctx: ComplianceContext, contact: ContactInput): Promise<ContactExport> {
  const orgId = ctx.org.orgId;
  return ctx.deps.db.transaction(async (tx) => {
    const { leadIds, conversationIds } = await findContact(tx, orgId, contact);
    const ofOrg = <T extends { orgId: Parameters<typeof eq>[0] }>(table: T) => eq(table.orgId, orgId);
    const ticketRows = await tx
      .select()
      .from(escalationTickets)
      .where(and(ofOrg(escalationTickets), inArray(escalationTickets.conversationId, conversationIds)));
    const document: ContactExport = {
      contact: { email: contact.email ?? null, userId: contact.userId ?? null },
      generatedAt: new Date(),
      leads: await tx
        .select()
        .from(leads)
        .where(and(ofOrg(leads), inArray(leads.id, leadIds))),
      conversations: await tx
        .select()
        .from(conversations)
        .where(and(ofOrg(conversations), inArray(conversations.id, conversationIds))),
      messages: await tx
        .select()
        .from(messages)
        .where(and(ofOrg(messages), inArray(messages.conversationId, conversationIds)))
        .orderBy(messages.id),
      feedback: await tx
        .select()
        .from(feedback)
        .where(and(ofOrg(feedback), inArray(feedback.conversationId, conversationIds))),
      tickets: ticketRows,
      ticketEvents: await tx
        .select()
        .from(escalationTicketEvents)
        .where(
          and(
            ofOrg(escalationTicketEvents),
            inArray(
              escalationTicketEvents.ticketId,
              ticketRows.map((ticket) => ticket.id),
            ),
          ),
        ),
      actionRuns: await tx
        .select()
        .from(actionRuns)
        .where(actionRunsOf(orgId, contact, conversationIds)),
      usageEvents: await tx
        .select()
        .from(usageEvents)
        .where(usageOf(orgId, contact, conversationIds)),
    };
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "contact.exported",
      resourceType: "contact",
      resourceId: null,
      after: {
        identifiedBy: contact.email ? "email" : "userId",
        conversations: conversationIds.length,
        leads: leadIds.length,
      },
    });
    return document;
  });
}
