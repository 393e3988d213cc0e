import { orgProcedure, router } from "../../core/trpc";
import {
  assignTicketInput,
  commentTicketInput,
  createTicketInput,
  listTicketsInput,
  ticketDetailResultOutput,
  ticketEventResultOutput,
  ticketIdInput,
  ticketPageOutput,
  ticketResultOutput,
  updateTicketInput,
} from "./schemas";
import { assignTicket, commentTicket, createTicket, getTicket, listTickets, updateTicket } from "./service";

const TAGS = ["escalations"];

export const escalationsRouter = router({
  create: orgProcedure("escalations:write", {
    botScope: "org-wide",
    rest: {
      method: "POST",
      path: "/escalations",
      summary: "Open an escalation ticket",
      description:
        "Opens a ticket and, with a `conversationId`, hands that conversation to people in the same transaction (the bot stops replying). Mails the org's escalation address and emits `ticket.created` and `conversation.escalated`. Audited as `escalation.created`.",
      tags: TAGS,
      successStatus: 201,
      location: "/escalations/{ticket.id}",
      conflicts: ["already_escalated"],
    },
  })
    .input(createTicketInput)
    .output(ticketResultOutput)
    .mutation(async ({ ctx, input }) => ({ ticket: await createTicket(ctx, input) })),

  list: orgProcedure("escalations:read", {
    botScope: "org-wide",
    rest: {
      method: "GET",
      path: "/escalations",
      summary: "List escalation tickets",
      description:
        "Newest first, filtered by status, priority, assignee, bot and creation time. Pass `nextCursor` back as `cursor`.",
      tags: TAGS,
    },
  })
    .input(listTicketsInput)
    .output(ticketPageOutput)
    .query(({ ctx, input }) => listTickets(ctx, input)),

  get: orgProcedure("escalations:read", {
    botScope: "org-wide",
    rest: {
      method: "GET",
      path: "/escalations/{ticketId}",
      summary: "Get an escalation ticket",
      description: "The ticket with its log (status changes, assignments, comments) and each mail's state.",
      tags: TAGS,
    },
  })
    .input(ticketIdInput)
    .output(ticketDetailResultOutput)
    .query(async ({ ctx, input }) => ({ ticket: await getTicket(ctx, input.ticketId) })),

  update: orgProcedure("escalations:write", {
    botScope: "org-wide",
    rest: {
      method: "PATCH",
      path: "/escalations/{ticketId}",
      summary: "Update an escalation ticket",
      description:
        "Moves the status along the allowed transitions (409 `invalid_transition` otherwise), changes priority or subject. A status change is mailed and emits `ticket.status_changed`.",
      tags: TAGS,
      conflicts: ["invalid_transition"],
    },
  })
    .input(updateTicketInput)
    .output(ticketResultOutput)
    .mutation(async ({ ctx, input }) => ({ ticket: await updateTicket(ctx, input) })),

  comment: orgProcedure("escalations:write", {
    botScope: "org-wide",
    rest: {
      method: "POST",
      path: "/escalations/{ticketId}/comments",
      summary: "Comment on an escalation ticket",
      description: "Adds an internal note to the ticket's log; emits `ticket.commented`.",
      tags: TAGS,
      successStatus: 201,
    },
  })
    .input(commentTicketInput)
    .output(ticketEventResultOutput)
    .mutation(async ({ ctx, input }) => ({ event: await commentTicket(ctx, input) })),

  assign: orgProcedure("escalations:write", {
    botScope: "org-wide",
    rest: {
      method: "POST",
      path: "/escalations/{ticketId}/assign",
      summary: "Assign an escalation ticket",
      description:
        "Gives the ticket, and its conversation, to an agent (or leaves it unassigned with `null`). A ticket someone else holds answers 409 `already_assigned` unless `reassign` is true. Mails the assignee; emits `ticket.assigned` and `conversation.assigned`.",
      tags: TAGS,
      conflicts: ["already_assigned"],
      unprocessable: ["assignee_cannot_reply"],
    },
  })
    .input(assignTicketInput)
    .output(ticketResultOutput)
    .mutation(async ({ ctx, input }) => ({ ticket: await assignTicket(ctx, input) })),
});
