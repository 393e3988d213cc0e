import { and, conversations, type Executor, eq, inArray, leads } from "@kyro/db";
import type { ContactInput } from "./schemas";

/** What identifies a person's data in an org: their leads and the conversations they had. */
export interface ContactFootprint {
  leadIds: string[];
  conversationIds: string[];
}

/**
 * Finds the person. By email: their leads, and the conversations those leads were left in. By widget
 * userId: the conversations the widget verified them in, and the leads left in those conversations.
 */
export async function findContact(
  tx: Executor,
  orgId: string,
  contact: ContactInput,
): Promise<ContactFootprint> {
  const byUser = contact.userId
    ? await tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.orgId, orgId), eq(conversations.endUserId, contact.userId)))
    : [];
  const userConversationIds = byUser.map((row) => row.id);
  const leadMatch = contact.email
    ? eq(leads.email, contact.email)
    : inArray(leads.conversationId, userConversationIds);
  const leadRows = await tx
    .select({ id: leads.id, conversationId: leads.conversationId })
    .from(leads)
    .where(and(eq(leads.orgId, orgId), leadMatch));
  const conversationIds = new Set(userConversationIds);
  for (const lead of leadRows) if (lead.conversationId) conversationIds.add(lead.conversationId);
  return { leadIds: leadRows.map((lead) => lead.id), conversationIds: [...conversationIds] };
}
