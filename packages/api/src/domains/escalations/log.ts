import {
  type Executor,
  escalationTicketEvents,
  executorSql,
  newId,
  type TicketEventType,
  type TicketStatus,
} from "@kyro/db";
import { enqueueJob } from "@kyro/platform";
import type { TicketOutput } from "./schemas";

/** The pg-boss queue that mails a ticket event (see dispatch.ts). */
export const DISPATCH_QUEUE = "escalations.dispatch";

export interface DispatchJobData {
  eventId: string;
}

/** A refused SMTP server or a full mailbox is retried for about a quarter of an hour before giving up. */
export const DISPATCH_JOB_OPTIONS = { retryLimit: 8, retryDelaySeconds: 5, expireInSeconds: 120 };

export interface TicketEventEntry {
  type: TicketEventType;
  actorId: string | null;
  fromStatus?: TicketStatus | null;
  toStatus?: TicketStatus | null;
  assigneeId?: string | null;
  body?: string | null;
  /** Whether the event is mailed (creation, status changes and assignments are; comments are not). */
  dispatch: boolean;
}

/**
 * Appends to a ticket's log in the caller's transaction. An event that owes a mail enqueues its
 * dispatch job in the same transaction (outbox): a change that commits is mailed once it can be,
 * even if the process dies right after the commit; a change that rolls back mails nothing.
 */
export async function logTicketEvent(
  tx: Executor,
  ticket: { id: string; orgId: string },
  entry: TicketEventEntry,
): Promise<string> {
  const id = newId();
  await tx.insert(escalationTicketEvents).values({
    id,
    orgId: ticket.orgId,
    ticketId: ticket.id,
    type: entry.type,
    actorId: entry.actorId,
    fromStatus: entry.fromStatus ?? null,
    toStatus: entry.toStatus ?? null,
    assigneeId: entry.assigneeId ?? null,
    body: entry.body ?? null,
    dispatchStatus: entry.dispatch ? "pending" : null,
  });
  if (entry.dispatch) {
    const data: DispatchJobData = { eventId: id };
    await enqueueJob(executorSql(tx), DISPATCH_QUEUE, data, DISPATCH_JOB_OPTIONS);
  }
  return id;
}

/** The ticket as every `ticket.*` event describes it. */
export const ticketEventData = (ticket: TicketOutput) => ({
  ticketId: ticket.id,
  botId: ticket.botId,
  conversationId: ticket.conversationId,
  status: ticket.status,
  priority: ticket.priority,
  channel: ticket.channel,
  assigneeId: ticket.assigneeId,
  subject: ticket.subject,
});
