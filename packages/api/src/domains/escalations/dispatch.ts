import {
  and,
  desc,
  eq,
  escalationTicketEvents,
  escalationTickets,
  inArray,
  lte,
  messages,
  organizations,
  sql,
  users,
} from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { defineJob } from "../../core/jobs";
import { DISPATCH_JOB_OPTIONS, DISPATCH_QUEUE, type DispatchJobData } from "./log";

/** The transcript a mail carries: the last messages up to the ticket's transcript reference. */
const TRANSCRIPT_MESSAGES = 50;
const ERROR_MAX_CHARS = 500;

const DESCRIBE: Record<string, string> = {
  created: "opened",
  status_changed: "changed status",
  assigned: "assigned to you",
};

async function transcriptOf(deps: AppDeps, orgId: string, conversationId: string, upTo: string | null) {
  const where = [eq(messages.orgId, orgId), eq(messages.conversationId, conversationId)];
  if (upTo) where.push(lte(messages.id, upTo));
  const rows = await deps.db
    .select({ role: messages.role, content: messages.content, createdAt: messages.createdAt })
    .from(messages)
    .where(and(...where))
    .orderBy(desc(messages.id))
    .limit(TRANSCRIPT_MESSAGES);
  return rows.reverse();
}

/**
 * A ticket's mails carry stable ids: each event's `Message-ID` is the event's, so a dispatch sent again
 * (a retry after the mail left but before it was recorded) repeats the same message and receivers
 * drop the copy; every event `References` the ticket's own id, so a mail program threads the ticket.
 */
export function ticketMailIds(publicUrl: string, ticketId: string, eventId: string) {
  const domain = new URL(publicUrl).hostname || "kyro.invalid";
  return {
    messageId: `<ticket-event-${eventId}@${domain}>`,
    references: `<ticket-${ticketId}@${domain}>`,
  };
}

/**
 * Mails one ticket event: to the ticket's assignee, else the org's escalation address (none: `skipped`).
 * Only an event whose mail is still owed is sent, so a job run twice (a retry after the mail left but
 * before it was recorded aside) is the only way a second copy can go out — and that copy has the same
 * `Message-ID` (see `ticketMailIds`), which receivers deduplicate. A failure is recorded on the
 * event (attempts, error) and thrown, so pg-boss retries it.
 */
export async function dispatchTicketEvent(deps: AppDeps, data: DispatchJobData): Promise<void> {
  const [row] = await deps.db
    .select({
      type: escalationTicketEvents.type,
      status: escalationTicketEvents.dispatchStatus,
      toStatus: escalationTicketEvents.toStatus,
      ticketId: escalationTickets.id,
      orgId: escalationTickets.orgId,
      subject: escalationTickets.subject,
      ticketStatus: escalationTickets.status,
      priority: escalationTickets.priority,
      reason: escalationTickets.reason,
      channel: escalationTickets.channel,
      conversationId: escalationTickets.conversationId,
      transcriptMessageId: escalationTickets.transcriptMessageId,
      assigneeEmail: users.email,
      orgName: organizations.name,
      orgEmail: organizations.escalationEmail,
    })
    .from(escalationTicketEvents)
    .innerJoin(escalationTickets, eq(escalationTickets.id, escalationTicketEvents.ticketId))
    .innerJoin(organizations, eq(organizations.id, escalationTickets.orgId))
    .leftJoin(users, eq(users.id, escalationTickets.assigneeId))
    .where(eq(escalationTicketEvents.id, data.eventId))
    .limit(1);
  if (!row || (row.status !== "pending" && row.status !== "failed")) return;
  const owed = and(
    eq(escalationTicketEvents.id, data.eventId),
    inArray(escalationTicketEvents.dispatchStatus, ["pending", "failed"]),
  );
  const to = row.assigneeEmail ?? row.orgEmail;
  if (!to) {
    await deps.db.update(escalationTicketEvents).set({ dispatchStatus: "skipped" }).where(owed);
    return;
  }
  const transcript = row.conversationId
    ? await transcriptOf(deps, row.orgId, row.conversationId, row.transcriptMessageId)
    : [];
  const link = `${deps.settings.publicUrl}/console/escalations/${row.ticketId}`;
  const text = [
    `Escalation ticket ${DESCRIBE[row.type] ?? row.type} in ${row.orgName}.`,
    "",
    `Subject: ${row.subject}`,
    `Status: ${row.ticketStatus}`,
    `Priority: ${row.priority}`,
    `Reason: ${row.reason}`,
    `Channel: ${row.channel}`,
    `Ticket: ${link}`,
    ...(transcript.length > 0
      ? [
          "",
          "Transcript:",
          ...transcript.map((m) => `[${m.createdAt.toISOString()}] ${m.role}: ${m.content}`),
        ]
      : []),
  ].join("\n");
  try {
    await deps.mailer.send({
      to,
      subject: `[Ticket ${row.ticketId.slice(-8)}] ${row.subject} (${row.ticketStatus})`,
      text,
      ...ticketMailIds(deps.settings.publicUrl, row.ticketId, data.eventId),
    });
  } catch (error) {
    await deps.db
      .update(escalationTicketEvents)
      .set({
        dispatchStatus: "failed",
        dispatchAttempts: sql`${escalationTicketEvents.dispatchAttempts} + 1`,
        dispatchError: (error instanceof Error ? error.message : String(error)).slice(0, ERROR_MAX_CHARS),
      })
      .where(owed);
    throw error;
  }
  await deps.db
    .update(escalationTicketEvents)
    .set({
      dispatchStatus: "sent",
      dispatchAttempts: sql`${escalationTicketEvents.dispatchAttempts} + 1`,
      dispatchError: null,
      dispatchedAt: new Date(),
    })
    .where(owed);
}

export const escalationDispatchJob = defineJob<DispatchJobData>({
  name: DISPATCH_QUEUE,
  batchSize: 10,
  workers: 4,
  // A suspended org's ticket mails stay owed (pending) until it is reinstated.
  ownerOf: (data) => ({ table: escalationTicketEvents, id: data.eventId }),
  enqueueOptions: DISPATCH_JOB_OPTIONS,
  handle: dispatchTicketEvent,
});
