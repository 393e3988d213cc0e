import {
  and,
  type Database,
  desc,
  type Executor,
  eq,
  escalationTickets,
  inArray,
  messages,
  newId,
  type TicketChannel,
  type TicketPriority,
  type TicketReason,
} from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import { emitEvents } from "../../core/events/emit";
import { ticketColumns } from "./columns";
import { type ConversationOwnership, handToHumans, lockOwnership } from "./handoff";
import { logTicketEvent, ticketEventData } from "./log";
import type { TicketOutput } from "./schemas";

/** Statuses of a ticket still being worked: a conversation has at most one such ticket. */
export const ACTIVE_TICKET_STATUSES = ["open", "pending", "in_progress"] as const;

export interface OpenTicketInput {
  orgId: string;
  botId: string;
  /** The conversation handed to people; the caller may already hold its row lock. */
  conversation: ConversationOwnership | null;
  reason: TicketReason;
  channel: TicketChannel;
  priority?: TicketPriority;
  subject: string;
  /** The keyword that fired, for `conversation.escalated`. */
  keyword?: string | null;
  /** The member who escalated (an agent's choice); null for the bot, a visitor, an action or a key. */
  actorId: string | null;
  /** The last message of the transcript; looked up when left out. */
  transcriptMessageId?: string | null;
  now?: Date;
}

/** The conversation's ticket still being worked, if any. */
export async function activeTicketOf(tx: Executor, orgId: string, conversationId: string) {
  const [row] = await tx
    .select(ticketColumns)
    .from(escalationTickets)
    .where(
      and(
        eq(escalationTickets.orgId, orgId),
        eq(escalationTickets.conversationId, conversationId),
        inArray(escalationTickets.status, [...ACTIVE_TICKET_STATUSES]),
      ),
    )
    .orderBy(desc(escalationTickets.id))
    .limit(1);
  return row ?? null;
}

async function lastMessageOf(tx: Executor, orgId: string, conversationId: string): Promise<string | null> {
  const [row] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.orgId, orgId), eq(messages.conversationId, conversationId)))
    .orderBy(desc(messages.id))
    .limit(1);
  return row?.id ?? null;
}

/**
 * Opens a ticket and hands its conversation to people, in the caller's transaction: the ticket, its
 * log entry and mail job, the conversation's new owner, the `ticket.created` and
 * `conversation.escalated` events and the audit row commit together or not at all.
 */
export async function openTicket(
  tx: Executor,
  audit: AuditScope,
  input: OpenTicketInput,
): Promise<TicketOutput> {
  const now = input.now ?? new Date();
  const conversationId = input.conversation?.id ?? null;
  const transcriptMessageId =
    input.transcriptMessageId ??
    (conversationId ? await lastMessageOf(tx, input.orgId, conversationId) : null);
  const [ticket] = await tx
    .insert(escalationTickets)
    .values({
      id: newId(),
      orgId: input.orgId,
      botId: input.botId,
      conversationId,
      status: "open",
      priority: input.priority ?? "normal",
      channel: input.channel,
      reason: input.reason,
      subject: input.subject,
      assigneeId: input.conversation?.assigneeId ?? null,
      transcriptMessageId,
      createdAt: now,
      updatedAt: now,
    })
    .returning(ticketColumns);
  if (!ticket) throw new Error("opening the ticket returned no row");
  if (conversationId) await handToHumans(tx, conversationId, now);
  await logTicketEvent(
    tx,
    { id: ticket.id, orgId: input.orgId },
    { type: "created", actorId: input.actorId, toStatus: "open", dispatch: true },
  );
  await emitEvents(tx, [
    {
      orgId: input.orgId,
      type: "ticket.created",
      data: { ...ticketEventData(ticket), reason: input.reason },
    },
    ...(conversationId && input.conversation?.status !== "escalated"
      ? [
          {
            orgId: input.orgId,
            type: "conversation.escalated" as const,
            data: {
              conversationId,
              botId: input.botId,
              reason: input.reason,
              keyword: input.keyword ?? null,
              ticketId: ticket.id,
            },
          },
        ]
      : []),
  ]);
  await recordAudit(tx, audit, {
    orgId: input.orgId,
    action: "escalation.created",
    resourceType: "escalation_ticket",
    resourceId: ticket.id,
    after: { ...ticketEventData(ticket), reason: input.reason },
  });
  return ticket;
}

/** Gives a conversation back to people under the ticket it already has (no new ticket, no mail). */
async function rehandToHumans(tx: Executor, input: EscalateInput, ticketId: string): Promise<void> {
  await handToHumans(tx, input.conversationId, new Date());
  await emitEvents(tx, [
    {
      orgId: input.orgId,
      type: "conversation.escalated",
      data: {
        conversationId: input.conversationId,
        botId: input.botId,
        reason: input.reason,
        keyword: null,
        ticketId,
      },
    },
  ]);
}

export interface EscalateInput {
  orgId: string;
  botId: string;
  conversationId: string;
  reason: TicketReason;
  channel: TicketChannel;
  subject: string;
  priority?: TicketPriority;
  actorId?: string | null;
}

/**
 * Escalates a conversation from outside a member's request (an action's result, a visitor asking for a
 * person): opens a ticket and hands the conversation to people in one transaction. A conversation that
 * already has a ticket being worked keeps it (`created: false`): nothing is written, unless the
 * conversation had been handed back to the bot meanwhile — then people get it again
 * (`conversation.escalated` names that ticket), so the bot is silent after any escalation.
 */
export async function escalate(
  db: Database,
  audit: AuditScope,
  input: EscalateInput,
): Promise<{ ticket: TicketOutput; created: boolean }> {
  return db.transaction(async (tx) => {
    const conversation = await lockOwnership(tx, {
      orgId: input.orgId,
      conversationId: input.conversationId,
      botId: input.botId,
    });
    const existing = await activeTicketOf(tx, input.orgId, conversation.id);
    if (existing) {
      if (conversation.status !== "escalated") await rehandToHumans(tx, input, existing.id);
      return { ticket: existing, created: false };
    }
    const ticket = await openTicket(tx, audit, {
      ...input,
      conversation,
      actorId: input.actorId ?? null,
    });
    return { ticket, created: true };
  });
}
