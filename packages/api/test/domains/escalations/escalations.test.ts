import {
  asc,
  eq,
  escalationTickets,
  messages,
  organizations,
  TICKET_STATUSES,
  type TicketStatus,
} from "@kyro/db";
import { createLogger, createMailer, type Mailer } from "@kyro/platform";
import { mailBody, mailHeader, type SmtpCapture, startSmtpCapture } from "@kyro/platform/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_REQUEST } from "../../../src/core/request-info";
import { converse, createKnowledgeResponder } from "../../../src/domains/conversations/index";
import { escalate } from "../../../src/domains/escalations/index";
import { canTransition } from "../../../src/domains/escalations/transitions";
import { parseBotConfig } from "../../../src/domains/shared/bot-config";
import { startJobs } from "../../../src/jobs";
import { failureOf } from "../../auth-helpers";
import { eventsOf, seedBot, seedConversation } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { startWebhookSink, type WebhookSink, waitUntil } from "../../webhooks-sink";

/**
 * Issue #12's handoff: a visitor's conversation escalates to a ticket, the bot goes quiet, the org is
 * mailed over a real SMTP server and webhook subscribers get `ticket.*`; agents take, work and hand back.
 */

const ESCALATION_ADDRESS = "support@acme.test";
const silent = createLogger({ level: "silent" });

let smtp: SmtpCapture;
let mailer: Mailer;
let sink: WebhookSink;
let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
let botId: string;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: "kyro@kyro.test", logger: silent });
  sink = await startWebhookSink();
  app = await createTestApp({ mailer, worker: true, settings: { outboundAllowCidrs: ["127.0.0.0/8"] } });
  org = await app.seedOrg("Handoff");
  other = await app.seedOrg("Elsewhere");
  await app.caller(org.owner.accessToken).orgs.update({ orgId: org.id, escalationEmail: ESCALATION_ADDRESS });
  botId = (await seedBot(app, org.id, { config: { fallbackMessage: "Sorry, I do not know." } })).id;
  const endpoint = await app.caller(org.admin.accessToken).webhooks.endpoints.create({
    orgId: org.id,
    url: sink.url,
    eventTypes: ["ticket.created", "ticket.assigned"],
  });
  sink.trust(endpoint.secret);
});
afterAll(async () => {
  await app?.close();
  mailer?.close();
  await sink?.close();
  await smtp?.close();
});

const KEYWORD_CONFIG = parseBotConfig({
  fallbackMessage: "Sorry, I do not know.",
  escalation: { keywords: ["human"], fallbacksBeforeHandoff: 0 },
});
const turn = (conversationId: string, content: string) =>
  converse(app.database.db, createKnowledgeResponder(app.database.db), {
    orgId: org.id,
    botId,
    conversationId,
    bot: { versionId: null, config: KEYWORD_CONFIG },
    content,
  });

const mailsFor = (ticketId: string) =>
  smtp.received.filter((mail) => (mailHeader(mail.raw, "Subject") ?? "").includes(ticketId.slice(-8)));

async function ticketOf(conversationId: string) {
  const [row] = await app.database.db
    .select({ id: escalationTickets.id })
    .from(escalationTickets)
    .where(eq(escalationTickets.conversationId, conversationId));
  if (!row) throw new Error("no ticket");
  return row.id;
}

describe("a visitor's conversation handed to people", () => {
  it("escalates, goes quiet, mails the org with the transcript, and comes back to the bot", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    await turn(conversationId, "Where is my parcel?");
    const escalating = await turn(conversationId, "I want a human now");
    expect(escalating.conversation.status).toBe("escalated");
    expect(escalating.reply).not.toBeNull();
    const ticketId = await ticketOf(conversationId);

    // While people own it the bot says nothing; the visitor's message still reaches the inbox.
    const quiet = await turn(conversationId, "Hello? Anyone there?");
    expect(quiet.reply).toBeNull();
    const stored = await app.database.db
      .select({ role: messages.role })
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .orderBy(asc(messages.id));
    expect(stored.map((row) => row.role)).toEqual(["visitor", "bot", "visitor", "bot", "visitor"]);

    const mail = await waitUntil(async () => mailsFor(ticketId)[0]);
    expect(mail.rcptTo).toEqual([ESCALATION_ADDRESS]);
    const text = mailBody(mail.raw);
    expect(text).toContain("Reason: keyword");
    expect(text).toContain("visitor: Where is my parcel?");
    expect(text).toContain("visitor: I want a human now");
    expect(text).not.toContain("Anyone there");

    const created = await waitUntil(async () =>
      sink.received.find((hook) => hook.body.includes(ticketId) && hook.body.includes("ticket.created")),
    );
    expect(JSON.parse(created.body)).toMatchObject({
      type: "ticket.created",
      data: { ticketId, conversationId, status: "open", reason: "keyword", channel: "widget" },
    });

    const agent = app.caller(org.agent.accessToken);
    const { ticket } = await agent.escalations.assign({ orgId: org.id, ticketId, assigneeId: org.agent.id });
    expect(ticket.assigneeId).toBe(org.agent.id);
    const { conversation } = await agent.conversations.get({ orgId: org.id, conversationId });
    expect(conversation).toMatchObject({ status: "escalated", assigneeId: org.agent.id });
    await agent.conversations.reply({ orgId: org.id, conversationId, content: "Hi, I am here to help." });
    const assignedMail = await waitUntil(async () =>
      smtp.received.find((m) => m.rcptTo.includes(org.agent.email)),
    );
    expect(mailHeader(assignedMail.raw, "Subject")).toContain(ticketId.slice(-8));

    const back = await agent.conversations.handBack({ orgId: org.id, conversationId });
    expect(back.conversation).toMatchObject({ status: "open", assigneeId: null });
    expect((await turn(conversationId, "Thanks, bye")).reply?.kind).toBe("fallback");
    expect((await eventsOf(app, org.id, "conversation.handed_back")).map((e) => e.data)).toContainEqual({
      conversationId,
      botId,
      previousAssigneeId: org.agent.id,
      handedBackBy: org.agent.id,
    });
    const detail = await agent.escalations.get({ orgId: org.id, ticketId });
    expect(detail.ticket.events.map((event) => [event.type, event.dispatchStatus])).toEqual([
      ["created", "sent"],
      ["assigned", "sent"],
    ]);
  });

  it("lets a member take a conversation over and tag it; the bot stays silent until hand-back", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const agent = app.caller(org.agent.accessToken).conversations;
    const { conversation } = await agent.assign({ orgId: org.id, conversationId, assigneeId: org.admin.id });
    expect(conversation).toMatchObject({ status: "escalated", assigneeId: org.admin.id });
    expect((await turn(conversationId, "hello")).reply).toBeNull();
    const tagged = await agent.tags.replace({
      orgId: org.id,
      conversationId,
      tags: ["VIP", "billing", "vip"],
    });
    expect(tagged.conversation.tags).toEqual(["billing", "vip"]);
    const listed = await agent.list({ orgId: org.id, tag: "vip", assigneeId: org.admin.id });
    expect(listed.items.map((item) => item.id)).toEqual([conversationId]);
    expect(
      await failureOf(agent.assign({ orgId: org.id, conversationId, assigneeId: org.viewer.id })),
    ).toMatchObject({ code: "UNPROCESSABLE_CONTENT" });
    expect(
      await failureOf(agent.assign({ orgId: org.id, conversationId, assigneeId: other.agent.id })),
    ).toMatchObject({ code: "NOT_FOUND" });
    await agent.handBack({ orgId: org.id, conversationId });
    expect((await turn(conversationId, "hello again")).reply).not.toBeNull();
  });
});

describe("escalation tickets", () => {
  const agent = () => app.caller(org.agent.accessToken).escalations;

  it("opens a ticket for an agent's choice and refuses a second one while it is worked (409)", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const { ticket } = await agent().create({
      orgId: org.id,
      botId,
      conversationId,
      subject: "Refund request",
      priority: "high",
    });
    expect(ticket).toMatchObject({ status: "open", reason: "agent", priority: "high", channel: "api" });
    const again = await failureOf(agent().create({ orgId: org.id, botId, conversationId, subject: "Again" }));
    expect(again).toMatchObject({ code: "CONFLICT" });
    const { conversation } = await app
      .caller(org.agent.accessToken)
      .conversations.get({ orgId: org.id, conversationId });
    expect(conversation.status).toBe("escalated");
  });

  it("allows every legal transition and answers 409 to every illegal one", async () => {
    for (const from of TICKET_STATUSES) {
      for (const to of TICKET_STATUSES) {
        const [seeded] = await app.database.db
          .insert(escalationTickets)
          .values({
            orgId: org.id,
            botId,
            status: from,
            channel: "api",
            reason: "manual",
            subject: `${from}→${to}`,
          })
          .returning({ id: escalationTickets.id });
        const ticketId = seeded?.id as string;
        const attempt = agent().update({ orgId: org.id, ticketId, status: to as TicketStatus });
        if (canTransition(from, to)) {
          const { ticket } = await attempt;
          expect(ticket.status, `${from} → ${to}`).toBe(to);
          const stamp = {
            open: "reopenedAt",
            pending: "pendingAt",
            in_progress: "inProgressAt",
            resolved: "resolvedAt",
            closed: "closedAt",
          }[to];
          expect(ticket[stamp as "pendingAt"], `${from} → ${to}`).toBeInstanceOf(Date);
        } else {
          expect(await failureOf(attempt), `${from} → ${to}`).toMatchObject({
            code: "CONFLICT",
            details: { reason: "invalid_transition" },
          });
        }
      }
    }
    const legal = TICKET_STATUSES.flatMap((from) =>
      TICKET_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`),
    );
    expect(legal).toEqual([
      "open>pending",
      "open>in_progress",
      "open>closed",
      "pending>in_progress",
      "pending>closed",
      "in_progress>pending",
      "in_progress>resolved",
      "resolved>open",
      "resolved>closed",
      "closed>open",
    ]);
  });

  it("keeps a log of status changes, comments and assignments, filterable lists", async () => {
    const { ticket } = await agent().create({
      orgId: org.id,
      botId,
      subject: "Invoice wrong",
      priority: "urgent",
    });
    await agent().update({ orgId: org.id, ticketId: ticket.id, status: "pending" });
    await agent().comment({ orgId: org.id, ticketId: ticket.id, body: "Waiting on finance" });
    const detail = await app
      .caller(org.viewer.accessToken)
      .escalations.get({ orgId: org.id, ticketId: ticket.id });
    expect(
      detail.ticket.events.map((event) => [event.type, event.fromStatus, event.toStatus, event.body]),
    ).toEqual([
      ["created", null, "open", null],
      ["status_changed", "open", "pending", null],
      ["commented", null, null, "Waiting on finance"],
    ]);
    const urgent = await agent().list({ orgId: org.id, priority: "urgent", status: "pending" });
    expect(urgent.items.map((item) => item.id)).toContain(ticket.id);
    expect(urgent.items.every((item) => item.priority === "urgent" && item.status === "pending")).toBe(true);
    const future = await agent().list({ orgId: org.id, from: new Date(Date.now() + 60_000) });
    expect(future.items).toEqual([]);
  });

  it("lets one of two agents claiming a ticket at once win; the other answers 409", async () => {
    const { ticket } = await agent().create({ orgId: org.id, botId, subject: "Race" });
    const second = await app.seedUser({ orgId: org.id, role: "agent" });
    const claims = await Promise.allSettled([
      app
        .caller(org.agent.accessToken)
        .escalations.assign({ orgId: org.id, ticketId: ticket.id, assigneeId: org.agent.id }),
      app
        .caller(second.accessToken)
        .escalations.assign({ orgId: org.id, ticketId: ticket.id, assigneeId: second.id }),
    ]);
    const won = claims.filter((claim) => claim.status === "fulfilled");
    const lost = claims.filter((claim) => claim.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    const winner = (won[0] as PromiseFulfilledResult<{ ticket: { assigneeId: string | null } }>).value;
    const { ticket: stored } = await agent().get({ orgId: org.id, ticketId: ticket.id });
    expect(stored.assigneeId).toBe(winner.ticket.assigneeId);
    expect(stored.events.filter((event) => event.type === "assigned")).toHaveLength(1);
    const taken = await agent().assign({
      orgId: org.id,
      ticketId: ticket.id,
      assigneeId: org.admin.id,
      reassign: true,
    });
    expect(taken.ticket.assigneeId).toBe(org.admin.id);
  });

  it("lets viewers read and refuses them writes; another org's ticket is not found", async () => {
    const { ticket } = await agent().create({ orgId: org.id, botId, subject: "Visible" });
    const viewer = app.caller(org.viewer.accessToken).escalations;
    await expect(viewer.get({ orgId: org.id, ticketId: ticket.id })).resolves.toBeTruthy();
    expect(await failureOf(viewer.comment({ orgId: org.id, ticketId: ticket.id, body: "hi" }))).toMatchObject(
      {
        code: "FORBIDDEN",
      },
    );
    const stranger = app.caller(other.owner.accessToken).escalations;
    expect(await failureOf(stranger.get({ orgId: other.id, ticketId: ticket.id }))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(
      await failureOf(stranger.update({ orgId: other.id, ticketId: ticket.id, status: "closed" })),
    ).toMatchObject({ code: "NOT_FOUND" });
  });

  it("escalates from an action's result once: a second call returns the ticket being worked", async () => {
    const conversationId = await seedConversation(app, org.id, botId);
    const audit = { actor: { type: "system" as const, id: null, label: "action" }, request: NO_REQUEST };
    const input = {
      orgId: org.id,
      botId,
      conversationId,
      reason: "action" as const,
      channel: "api" as const,
      subject: "Refund failed",
    };
    const first = await escalate(app.database.db, audit, input);
    const second = await escalate(app.database.db, audit, input);
    expect(first.created).toBe(true);
    expect(second).toEqual({ ticket: first.ticket, created: false });
    expect((await eventsOf(app, org.id, "conversation.escalated")).map((e) => e.data)).toContainEqual({
      conversationId,
      botId,
      reason: "action",
      keyword: null,
      ticketId: first.ticket.id,
    });
  });
});

describe("dispatch", () => {
  it("mails a ticket exactly once when the worker starts after the commit (a crash in between)", async () => {
    const queued = await createTestApp({ mailer });
    try {
      const queuedOrg = await queued.seedOrg("Queued");
      await queued.database.db
        .update(organizations)
        .set({ escalationEmail: "queue@acme.test" })
        .where(eq(organizations.id, queuedOrg.id));
      const bot = await seedBot(queued, queuedOrg.id);
      const { ticket } = await queued
        .caller(queuedOrg.agent.accessToken)
        .escalations.create({ orgId: queuedOrg.id, botId: bot.id, subject: "Survives a restart" });
      expect(mailsFor(ticket.id)).toEqual([]);
      // The process that committed is gone; a worker started now finds the job and sends the mail.
      const worker = await startJobs(queued.deps, {
        sql: queued.database,
        work: true,
        pollingIntervalSeconds: 0.5,
      });
      try {
        const detail = await waitUntil(async () => {
          const { ticket: seen } = await queued
            .caller(queuedOrg.agent.accessToken)
            .escalations.get({ orgId: queuedOrg.id, ticketId: ticket.id });
          return seen.events[0]?.dispatchStatus === "sent" ? seen : null;
        });
        expect(detail.events[0]?.dispatchAttempts).toBe(1);
        expect(mailsFor(ticket.id)).toHaveLength(1);
      } finally {
        await worker.stop(1_000);
      }
    } finally {
      await queued.close();
    }
  });

  it("records a failed mail on the ticket and keeps retrying it", async () => {
    const down = createMailer({ smtpUrl: "smtp://127.0.0.1:9", from: "kyro@kyro.test", logger: silent });
    const failing = await createTestApp({ mailer: down, worker: true });
    try {
      const failingOrg = await failing.seedOrg("Down");
      await failing.database.db
        .update(organizations)
        .set({ escalationEmail: "down@acme.test" })
        .where(eq(organizations.id, failingOrg.id));
      const bot = await seedBot(failing, failingOrg.id);
      const caller = failing.caller(failingOrg.agent.accessToken).escalations;
      const { ticket } = await caller.create({ orgId: failingOrg.id, botId: bot.id, subject: "SMTP down" });
      const event = await waitUntil(async () => {
        const { ticket: seen } = await caller.get({ orgId: failingOrg.id, ticketId: ticket.id });
        return seen.events[0]?.dispatchStatus === "failed" ? seen.events[0] : null;
      });
      expect(event.dispatchAttempts).toBeGreaterThanOrEqual(1);
      expect(event.dispatchError).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await failing.close();
      down.close();
    }
  });
});
