import { escalationTicketEvents, escalationTickets } from "@kyro/db";

export const ticketColumns = {
  id: escalationTickets.id,
  botId: escalationTickets.botId,
  conversationId: escalationTickets.conversationId,
  status: escalationTickets.status,
  priority: escalationTickets.priority,
  channel: escalationTickets.channel,
  reason: escalationTickets.reason,
  subject: escalationTickets.subject,
  assigneeId: escalationTickets.assigneeId,
  transcriptMessageId: escalationTickets.transcriptMessageId,
  pendingAt: escalationTickets.pendingAt,
  inProgressAt: escalationTickets.inProgressAt,
  resolvedAt: escalationTickets.resolvedAt,
  closedAt: escalationTickets.closedAt,
  reopenedAt: escalationTickets.reopenedAt,
  createdAt: escalationTickets.createdAt,
  updatedAt: escalationTickets.updatedAt,
};

export const ticketEventColumns = {
  id: escalationTicketEvents.id,
  type: escalationTicketEvents.type,
  actorId: escalationTicketEvents.actorId,
  fromStatus: escalationTicketEvents.fromStatus,
  toStatus: escalationTicketEvents.toStatus,
  assigneeId: escalationTicketEvents.assigneeId,
  body: escalationTicketEvents.body,
  dispatchStatus: escalationTicketEvents.dispatchStatus,
  dispatchAttempts: escalationTicketEvents.dispatchAttempts,
  dispatchError: escalationTicketEvents.dispatchError,
  dispatchedAt: escalationTicketEvents.dispatchedAt,
  createdAt: escalationTicketEvents.createdAt,
};
