import type { TicketStatus } from "@kyro/db";

/**
 * The ticket lifecycle. Work moves forward (open → pending → in_progress → resolved → closed); an agent
 * may park a ticket in progress back to pending, close an open or pending one outright (spam, duplicate),
 * and reopen a resolved or closed one. Anything else — staying put included — is refused with 409.
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  open: ["pending", "in_progress", "closed"],
  pending: ["in_progress", "closed"],
  in_progress: ["pending", "resolved"],
  resolved: ["closed", "open"],
  closed: ["open"],
};

export const canTransition = (from: TicketStatus, to: TicketStatus): boolean =>
  TICKET_TRANSITIONS[from].includes(to);

/** The timestamp column a status stamps when a ticket enters it (`open` again is a reopening). */
export const STATUS_STAMP = {
  open: "reopenedAt",
  pending: "pendingAt",
  in_progress: "inProgressAt",
  resolved: "resolvedAt",
  closed: "closedAt",
} as const satisfies Record<TicketStatus, string>;
