import {
  and,
  asc,
  desc,
  type Executor,
  eq,
  escalationTicketEvents,
  escalationTickets,
  gte,
  lt,
  type SQL,
} from "@kyro/db";
import type { AuditScope } from "../../core/audit-log";
import { recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { conflict, notFound } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import type { OrgScope } from "../../core/org-scope";
import { decodeCursor, pageOf } from "../../core/pagination";
import type { Principal } from "../../core/principal";
import { assertOrgBot } from "../shared/org-bots";
import { ticketColumns, ticketEventColumns } from "./columns";
import { assertAssignable, assignOwnership, lockOwnership, unassignOwnership } from "./handoff";
import { logTicketEvent, ticketEventData } from "./log";
import { activeTicketOf, openTicket } from "./open";
import type {
  AssignTicketInput,
  CommentTicketInput,
  CreateTicketInput,
  ListTicketsInput,
  TicketEventOutput,
  TicketOutput,
  UpdateTicketInput,
} from "./schemas";
import { canTransition, STATUS_STAMP } from "./transitions";

export interface EscalationsContext {
  deps: Pick<AppDeps, "db">;
  org: OrgScope;
  principal: Principal;
  audit: AuditScope;
}

const memberOf = (ctx: EscalationsContext) => (ctx.principal.kind === "user" ? ctx.principal.userId : null);

/** A ticket the caller's org owns, locked to the end of the transaction; any other answers 404. */
async function lockTicket(tx: Executor, ctx: EscalationsContext, ticketId: string): Promise<TicketOutput> {
  const [row] = await tx
    .select(ticketColumns)
    .from(escalationTickets)
    .where(and(eq(escalationTickets.id, ticketId), eq(escalationTickets.orgId, ctx.org.orgId)))
    .for("update");
  if (!row) throw notFound("Escalation ticket");
  return row;
}

/**
 * A member's (or an API caller's) escalation. With a conversation, it is handed to people in the same
 * transaction; a conversation whose ticket is still being worked answers 409 `already_escalated`.
 */
export async function createTicket(ctx: EscalationsContext, input: CreateTicketInput): Promise<TicketOutput> {
  await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, input.botId);
  return ctx.deps.db.transaction(async (tx) => {
    const conversation = input.conversationId
      ? await lockOwnership(tx, {
          orgId: ctx.org.orgId,
          conversationId: input.conversationId,
          botId: input.botId,
        })
      : null;
    if (conversation && (await activeTicketOf(tx, ctx.org.orgId, conversation.id))) {
      throw conflict("already_escalated", "The conversation already has an open ticket", "conversationId");
    }
    return openTicket(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      botId: input.botId,
      conversation,
      reason: ctx.principal.kind === "user" ? "agent" : "manual",
      channel: input.channel,
      priority: input.priority,
      subject: input.subject,
      actorId: memberOf(ctx),
    });
  });
}

export async function listTickets(
  ctx: EscalationsContext,
  input: ListTicketsInput,
): Promise<{ items: TicketOutput[]; nextCursor: string | null }> {
  const where: SQL[] = [eq(escalationTickets.orgId, ctx.org.orgId)];
  if (input.botId) {
    await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, input.botId);
    where.push(eq(escalationTickets.botId, input.botId));
  }
  if (input.status) where.push(eq(escalationTickets.status, input.status));
  if (input.priority) where.push(eq(escalationTickets.priority, input.priority));
  if (input.assigneeId) where.push(eq(escalationTickets.assigneeId, input.assigneeId));
  if (input.from) where.push(gte(escalationTickets.createdAt, new Date(input.from)));
  if (input.to) where.push(lt(escalationTickets.createdAt, new Date(input.to)));
  if (input.cursor) where.push(lt(escalationTickets.id, decodeCursor(input.cursor)));
  const rows = await ctx.deps.db
    .select(ticketColumns)
    .from(escalationTickets)
    .where(and(...where))
    .orderBy(desc(escalationTickets.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}

/** The ticket with its whole log, oldest first (each entry with the state of the mail it owed). */
export async function getTicket(
  ctx: EscalationsContext,
  ticketId: string,
): Promise<TicketOutput & { events: TicketEventOutput[] }> {
  const [ticket] = await ctx.deps.db
    .select(ticketColumns)
    .from(escalationTickets)
    .where(and(eq(escalationTickets.id, ticketId), eq(escalationTickets.orgId, ctx.org.orgId)))
    .limit(1);
  if (!ticket) throw notFound("Escalation ticket");
  const events = await ctx.deps.db
    .select(ticketEventColumns)
    .from(escalationTicketEvents)
    .where(
      and(eq(escalationTicketEvents.ticketId, ticketId), eq(escalationTicketEvents.orgId, ctx.org.orgId)),
    )
    .orderBy(asc(escalationTicketEvents.id));
  return { ...ticket, events };
}

/** Status (along the allowed transitions only, else 409 `invalid_transition`), priority and subject. */
export async function updateTicket(ctx: EscalationsContext, input: UpdateTicketInput): Promise<TicketOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    const current = await lockTicket(tx, ctx, input.ticketId);
    const now = new Date();
    const statusChanges = input.status !== undefined && input.status !== current.status;
    if (input.status !== undefined && !canTransition(current.status, input.status)) {
      throw conflict(
        "invalid_transition",
        `A ticket cannot go from ${current.status} to ${input.status}`,
        "status",
      );
    }
    const [after] = await tx
      .update(escalationTickets)
      .set({
        ...(input.priority ? { priority: input.priority } : {}),
        ...(input.subject ? { subject: input.subject } : {}),
        ...(input.status && statusChanges ? { status: input.status, [STATUS_STAMP[input.status]]: now } : {}),
        updatedAt: now,
      })
      .where(eq(escalationTickets.id, current.id))
      .returning(ticketColumns);
    if (!after) throw notFound("Escalation ticket");
    if (statusChanges) {
      await logTicketEvent(
        tx,
        { id: after.id, orgId: ctx.org.orgId },
        {
          type: "status_changed",
          actorId: memberOf(ctx),
          fromStatus: current.status,
          toStatus: after.status,
          dispatch: true,
        },
      );
      await emitEvent(tx, {
        orgId: ctx.org.orgId,
        type: "ticket.status_changed",
        data: { ...ticketEventData(after), previousStatus: current.status, changedBy: memberOf(ctx) },
      });
    }
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "escalation.updated",
      resourceType: "escalation_ticket",
      resourceId: after.id,
      before: { status: current.status, priority: current.priority, subject: current.subject },
      after: { status: after.status, priority: after.priority, subject: after.subject },
    });
    return after;
  });
}

export async function commentTicket(
  ctx: EscalationsContext,
  input: CommentTicketInput,
): Promise<TicketEventOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    const ticket = await lockTicket(tx, ctx, input.ticketId);
    const authorId = memberOf(ctx);
    const eventId = await logTicketEvent(
      tx,
      { id: ticket.id, orgId: ctx.org.orgId },
      { type: "commented", actorId: authorId, body: input.body, dispatch: false },
    );
    await emitEvent(tx, {
      orgId: ctx.org.orgId,
      type: "ticket.commented",
      data: { ...ticketEventData(ticket), commentId: eventId, authorId, body: input.body },
    });
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "escalation.commented",
      resourceType: "escalation_ticket",
      resourceId: ticket.id,
      after: { commentId: eventId },
    });
    const [event] = await tx
      .select(ticketEventColumns)
      .from(escalationTicketEvents)
      .where(eq(escalationTicketEvents.id, eventId));
    if (!event) throw new Error("the comment was not stored");
    return event;
  });
}

/**
 * Gives the ticket (and its conversation) to a member, or leaves it unassigned. The ticket row is
 * locked first, so of two agents claiming it at once one wins and the other answers 409
 * `already_assigned` — unless `reassign` says taking it from its holder is meant.
 */
export async function assignTicket(ctx: EscalationsContext, input: AssignTicketInput): Promise<TicketOutput> {
  return ctx.deps.db.transaction(async (tx) => {
    const current = await lockTicket(tx, ctx, input.ticketId);
    if (current.assigneeId === input.assigneeId) return current;
    if (current.assigneeId !== null && input.assigneeId !== null && !input.reassign) {
      throw conflict("already_assigned", "Someone else already holds this ticket", "assigneeId");
    }
    if (input.assigneeId) await assertAssignable(tx, ctx.org.orgId, input.assigneeId);
    const [after] = await tx
      .update(escalationTickets)
      .set({ assigneeId: input.assigneeId, updatedAt: new Date() })
      .where(eq(escalationTickets.id, current.id))
      .returning(ticketColumns);
    if (!after) throw notFound("Escalation ticket");
    const assignedBy = memberOf(ctx);
    await logTicketEvent(
      tx,
      { id: after.id, orgId: ctx.org.orgId },
      {
        type: "assigned",
        actorId: assignedBy,
        assigneeId: input.assigneeId,
        dispatch: input.assigneeId !== null,
      },
    );
    if (after.conversationId) {
      const conversation = await lockOwnership(tx, {
        orgId: ctx.org.orgId,
        conversationId: after.conversationId,
      });
      if (input.assigneeId) {
        await assignOwnership(tx, ctx.org.orgId, conversation, input.assigneeId, assignedBy);
      } else if (conversation.assigneeId === current.assigneeId) {
        // Back to the shared queue, still with people. A member who took the conversation on their own
        // (conversations.assign) keeps it: only the ticket's holder lets it go.
        await unassignOwnership(tx, ctx.org.orgId, conversation, assignedBy);
      }
    }
    await emitEvent(tx, {
      orgId: ctx.org.orgId,
      type: "ticket.assigned",
      data: { ...ticketEventData(after), previousAssigneeId: current.assigneeId, assignedBy },
    });
    await recordAudit(tx, ctx.audit, {
      orgId: ctx.org.orgId,
      action: "escalation.assigned",
      resourceType: "escalation_ticket",
      resourceId: after.id,
      before: { assigneeId: current.assigneeId },
      after: { assigneeId: after.assigneeId },
    });
    return after;
  });
}
