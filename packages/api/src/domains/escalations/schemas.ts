import {
  DISPATCH_STATUSES,
  TICKET_CHANNELS,
  TICKET_EVENT_TYPES,
  TICKET_PRIORITIES,
  TICKET_REASONS,
  TICKET_STATUSES,
} from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { instant, plainText, rangeIsOrdered, rangeMessage } from "../shared/schemas";

export const ticketSubject = plainText(200, "A subject", "single");
export const ticketComment = plainText(4_000, "A comment");

export const ticketIdInput = z.object({ ticketId: z.uuid() });

export const createTicketInput = z.object({
  botId: z.uuid(),
  /** The conversation handed to people: it stops getting bot replies until handed back. */
  conversationId: z.uuid().optional(),
  subject: ticketSubject,
  priority: z.enum(TICKET_PRIORITIES).default("normal"),
  channel: z.enum(TICKET_CHANNELS).default("api"),
});
export type CreateTicketInput = z.output<typeof createTicketInput>;

export const listTicketsInput = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    assigneeId: z.uuid().optional(),
    botId: z.uuid().optional(),
    /** Inclusive lower bound on `createdAt`. */
    from: instant.optional(),
    /** Exclusive upper bound on `createdAt`. */
    to: instant.optional(),
    ...pageFields,
  })
  .refine(rangeIsOrdered, rangeMessage);
export type ListTicketsInput = z.output<typeof listTicketsInput>;

export const updateTicketInput = z
  .object({
    ticketId: z.uuid(),
    /** The next status; only the transitions in docs/escalations.md are allowed (else 409). */
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    subject: ticketSubject.optional(),
  })
  .refine(
    (input) => input.status !== undefined || input.priority !== undefined || input.subject !== undefined,
    {
      message: "Give at least one field to change",
      path: [""],
    },
  );
export type UpdateTicketInput = z.output<typeof updateTicketInput>;

export const commentTicketInput = z.object({ ticketId: z.uuid(), body: ticketComment });
export type CommentTicketInput = z.output<typeof commentTicketInput>;

export const assignTicketInput = z.object({
  ticketId: z.uuid(),
  /** A member of the org who may reply (agent or above); null leaves the ticket unassigned. */
  assigneeId: z.uuid().nullable(),
  /** Take a ticket someone else holds; without it an assigned ticket answers 409 `already_assigned`. */
  reassign: z.boolean().default(false),
});
export type AssignTicketInput = z.output<typeof assignTicketInput>;

export const ticketOutput = z
  .object({
    id: z.uuid(),
    botId: z.uuid(),
    conversationId: z.uuid().nullable(),
    status: z.enum(TICKET_STATUSES),
    priority: z.enum(TICKET_PRIORITIES),
    channel: z.enum(TICKET_CHANNELS),
    reason: z.enum(TICKET_REASONS),
    subject: z.string(),
    assigneeId: z.uuid().nullable(),
    /** The transcript up to this message belongs to the ticket (`GET /conversations/{id}/messages`). */
    transcriptMessageId: z.uuid().nullable(),
    pendingAt: z.date().nullable(),
    inProgressAt: z.date().nullable(),
    resolvedAt: z.date().nullable(),
    closedAt: z.date().nullable(),
    reopenedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "EscalationTicket" });
export type TicketOutput = z.infer<typeof ticketOutput>;

export const ticketEventOutput = z
  .object({
    id: z.uuid(),
    type: z.enum(TICKET_EVENT_TYPES),
    actorId: z.uuid().nullable(),
    fromStatus: z.enum(TICKET_STATUSES).nullable(),
    toStatus: z.enum(TICKET_STATUSES).nullable(),
    assigneeId: z.uuid().nullable(),
    body: z.string().nullable(),
    /** The mail this event owes: `pending`, `sent`, `failed` (retried; the error is kept) or `skipped`. */
    dispatchStatus: z.enum(DISPATCH_STATUSES).nullable(),
    dispatchAttempts: z.int(),
    dispatchError: z.string().nullable(),
    dispatchedAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "EscalationTicketEvent" });
export type TicketEventOutput = z.infer<typeof ticketEventOutput>;

export const ticketDetailOutput = ticketOutput
  .extend({ events: z.array(ticketEventOutput) })
  .meta({ id: "EscalationTicketDetail" });

export const ticketResultOutput = z.object({ ticket: ticketOutput }).meta({ id: "EscalationTicketResult" });
export const ticketDetailResultOutput = z
  .object({ ticket: ticketDetailOutput })
  .meta({ id: "EscalationTicketDetailResult" });
export const ticketEventResultOutput = z
  .object({ event: ticketEventOutput })
  .meta({ id: "EscalationTicketEventResult" });
export const ticketPageOutput = z
  .object({ items: z.array(ticketOutput), nextCursor: z.string().nullable() })
  .meta({ id: "EscalationTicketPage" });
