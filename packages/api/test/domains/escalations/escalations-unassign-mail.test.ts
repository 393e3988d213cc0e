import { and, asc, auditEvents, eq, escalationTicketEvents, organizations } from "@kyro/db";
import { createLogger, createMailer, type Mailer } from "@kyro/platform";
import { mailHeader, type SmtpCapture, startSmtpCapture } from "@kyro/platform/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { converse, createKnowledgeResponder } from "../../../src/domains/conversations/index";
import { dispatchTicketEvent } from "../../../src/domains/escalations/dispatch";
import { parseBotConfig } from "../../../src/domains/shared/bot-config";
import { eventsOf, seedBot, seedConversation } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

/**
 * Unassigning a ticket puts its conversation back in the shared queue (people keep it, the bot stays
 * silent); a ticket's mails carry stable Message-IDs, so a dispatch sent twice is one message.
 */

const silent = createLogger({ level: "silent" });
let smtp: SmtpCapture;
let mailer: Mailer;
let app: TestApp;
let org: SeededOrg;
let botId: string;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: "kyro@kyro.test", logger: silent });
  // No worker: the test runs the dispatch itself, as a retried job would.
  app = await createTestApp({ mailer });
  org = await app.seedOrg("Unassign");
  await app.database.db
    .update(organizations)
    .set({ escalationEmail: "queue@acme.test" })
    .where(eq(organizations.id, org.id));
  botId = (await seedBot(app, org.id)).id;
});
afterAll(async () => {
  await app?.close();
  mailer?.close();
  await smtp?.close();
});

const config = parseBotConfig({ fallbackMessage: "No idea.", escalation: { fallbacksBeforeHandoff: 0 } });
const turn = (conversationId: string, content: string) =>
  converse(app.database.db, createKnowledgeResponder(app.database.db), {
    orgId: org.id,
    botId,
    conversationId,
    bot: { versionId: null, config },
    content,
  });

async function openAssignedTicket() {
  const conversationId = await seedConversation(app, org.id, botId);
  const escalations = app.caller(org.agent.accessToken).escalations;
  const { ticket } = await escalations.create({ orgId: org.id, botId, conversationId, subject: "Help" });
  await escalations.assign({ orgId: org.id, ticketId: ticket.id, assigneeId: org.agent.id });
  return { conversationId, ticketId: ticket.id };
}

describe("unassigning a ticket", () => {
  it("puts its conversation back in the shared queue, still with people, with event and audit", async () => {
    const { conversationId, ticketId } = await openAssignedTicket();
    const agent = app.caller(org.agent.accessToken);
    const { ticket } = await agent.escalations.assign({ orgId: org.id, ticketId, assigneeId: null });
    expect(ticket.assigneeId).toBeNull();
    const { conversation } = await agent.conversations.get({ orgId: org.id, conversationId });
    expect(conversation).toMatchObject({ status: "escalated", assigneeId: null });
    const queue = await agent.conversations.list({ orgId: org.id, botId, status: "escalated" });
    expect(queue.items.find((item) => item.id === conversationId)?.assigneeId).toBeNull();
    // Not handed back: the bot stays silent.
    expect((await turn(conversationId, "anyone?")).reply).toBeNull();
    expect((await eventsOf(app, org.id, "conversation.unassigned")).map((e) => e.data)).toContainEqual({
      conversationId,
      botId,
      previousAssigneeId: org.agent.id,
      unassignedBy: org.agent.id,
    });
    const audit = await app.database.db
      .select({ diff: auditEvents.diff })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "escalation.assigned"), eq(auditEvents.resourceId, ticketId)))
      .orderBy(asc(auditEvents.id));
    expect(audit.at(-1)?.diff).toEqual({ before: { assigneeId: org.agent.id }, after: { assigneeId: null } });
  });

  it("leaves the conversation with a member who took it on their own", async () => {
    const { conversationId, ticketId } = await openAssignedTicket();
    const agent = app.caller(org.agent.accessToken);
    await agent.conversations.assign({ orgId: org.id, conversationId, assigneeId: org.admin.id });
    await agent.escalations.assign({ orgId: org.id, ticketId, assigneeId: null });
    const { conversation } = await agent.conversations.get({ orgId: org.id, conversationId });
    expect(conversation).toMatchObject({ status: "escalated", assigneeId: org.admin.id });
  });
});

describe("escalation mail Message-IDs", () => {
  const mailsOf = (ticketId: string) =>
    smtp.received.filter((mail) => (mailHeader(mail.raw, "Subject") ?? "").includes(ticketId.slice(-8)));

  it("repeats an event's Message-ID when its dispatch runs again, and threads a ticket's mails", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const escalations = app.caller(org.agent.accessToken).escalations;
    const { ticket } = await escalations.create({ orgId: org.id, botId, conversationId, subject: "Twice" });
    const [created] = (await escalations.get({ orgId: org.id, ticketId: ticket.id })).ticket.events;
    if (!created) throw new Error("no created event");
    await dispatchTicketEvent(app.deps, { eventId: created.id });
    // The mail left but its job died before recording it: the retry finds it still owed.
    await app.database.db
      .update(escalationTicketEvents)
      .set({ dispatchStatus: "failed" })
      .where(eq(escalationTicketEvents.id, created.id));
    await dispatchTicketEvent(app.deps, { eventId: created.id });
    await escalations.assign({ orgId: org.id, ticketId: ticket.id, assigneeId: org.agent.id });
    const assigned = (await escalations.get({ orgId: org.id, ticketId: ticket.id })).ticket.events.at(-1);
    if (!assigned) throw new Error("no assigned event");
    await dispatchTicketEvent(app.deps, { eventId: assigned.id });

    const mails = mailsOf(ticket.id);
    expect(mails).toHaveLength(3);
    const ids = mails.map((mail) => mailHeader(mail.raw, "Message-ID"));
    expect(ids[0]).toMatch(new RegExp(`^<ticket-event-${created.id}@[^>]+>$`));
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).toMatch(new RegExp(`^<ticket-event-${assigned.id}@[^>]+>$`));
    const threads = mails.map((mail) => [
      mailHeader(mail.raw, "References"),
      mailHeader(mail.raw, "In-Reply-To"),
    ]);
    const thread = `<ticket-${ticket.id}@${ids[0]?.split("@")[1]}`;
    for (const [references, inReplyTo] of threads) {
      expect(references).toBe(thread);
      expect(inReplyTo).toBe(thread);
    }
  });
});
