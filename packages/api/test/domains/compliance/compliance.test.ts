import { and, auditEvents, domainEvents, eq, feedback, messages, rowsOf, sql, usageEvents } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedBot, seedConversation } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

const EMAIL = "ada.person@example.test";
const USER_ID = "visitor-ada-42";

/** Every table that can hold a contact's data: the completeness check reads each whole row as text. */
const CONTACT_TABLES = [
  "conversations",
  "messages",
  "feedback",
  "leads",
  "escalation_tickets",
  "escalation_ticket_events",
  "action_runs",
  "usage_events",
  "domain_events",
  "webhook_messages",
  "webhook_attempts",
  "inbound_events",
] as const;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

/** A person with a verified widget conversation, a message rated, a lead left in it and a ticket. */
async function seedPerson(org: SeededOrg, email: string, userId: string) {
  const db = app.database.db;
  const owner = app.caller(org.owner.accessToken);
  const bot = await seedBot(app, org.id);
  const conversationId = await seedConversation(app, org.id, bot.id, { endUserId: userId });
  const [message] = await db
    .insert(messages)
    .values({ orgId: org.id, conversationId, botId: bot.id, role: "visitor", content: `I am ${email}` })
    .returning({ id: messages.id });
  if (!message) throw new Error("seed message failed");
  await db.insert(feedback).values({
    orgId: org.id,
    botId: bot.id,
    conversationId,
    messageId: message.id,
    source: "widget",
    helpful: true,
  });
  const { lead } = await owner.leads.create({
    orgId: org.id,
    botId: bot.id,
    conversationId,
    email,
    name: "Ada",
  });
  await owner.escalations.create({ orgId: org.id, botId: bot.id, conversationId, subject: `Call ${email}` });
  await db.insert(usageEvents).values({
    orgId: org.id,
    botId: bot.id,
    conversationId,
    endUserId: userId,
    model: "m",
    kind: "chat",
    inputTokens: 1,
    outputTokens: 1,
    costMicros: 0,
  });
  return { botId: bot.id, conversationId, leadId: lead.id };
}

/** Rows of the org, in any table that can hold a contact, whose text mentions the needle. */
async function rowsMentioning(orgId: string, needle: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const table of CONTACT_TABLES) {
    const [row] = rowsOf<{ n: number }>(
      await app.database.db.execute(
        sql`select count(*)::int as n from ${sql.raw(table)} t where t.org_id = ${orgId} and strpos(t::text, ${needle}) > 0`,
      ),
    );
    const n = Number(row?.n ?? 0);
    if (n > 0) found[table] = n;
  }
  return found;
}

describe("compliance.eraseContact", () => {
  it("by email leaves nothing of the person in any table, keeps others, and sends ids only", async () => {
    const org = await app.seedOrg("Erase Email");
    await seedPerson(org, EMAIL, USER_ID);
    await seedPerson(org, "someone.else@example.test", "visitor-other");
    expect(Object.keys(await rowsMentioning(org.id, EMAIL)).length).toBeGreaterThan(3);

    const { receipt } = await app
      .caller(org.admin.accessToken)
      .compliance.eraseContact({ orgId: org.id, email: ` ${EMAIL.toUpperCase()} ` });

    expect(receipt).toMatchObject({
      identifiedBy: "email",
      counts: { conversations: 1, messages: 1, feedback: 1, leads: 1, tickets: 1, usageEventsAnonymized: 1 },
    });
    expect(receipt.counts.events).toBeGreaterThanOrEqual(1);
    expect(await rowsMentioning(org.id, EMAIL)).toEqual({});
    expect(await rowsMentioning(org.id, USER_ID)).toEqual({});
    expect(await rowsMentioning(org.id, "someone.else@example.test")).not.toEqual({});

    const [event] = await app.database.db
      .select({ data: domainEvents.data })
      .from(domainEvents)
      .where(and(eq(domainEvents.orgId, org.id), eq(domainEvents.type, "contact.erased")));
    expect(event?.data).toMatchObject({ erasureId: receipt.erasureId, identifiedBy: "email" });
    // Neither the address nor the name; a bare "ada" also matches hex ids by chance (…f434b527fada).
    expect(JSON.stringify(event?.data)).not.toContain("ada.person");
    expect(JSON.stringify(event?.data)).not.toContain("Ada");
    const [audit] = await app.database.db
      .select({ diff: auditEvents.diff })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "contact.erased")));
    expect(audit?.diff?.after).toMatchObject({ identifiedBy: "email", counts: receipt.counts });
    // Neither the address nor the name; a bare "ada" also matches hex ids by chance (…f434b527fada).
    expect(JSON.stringify(audit?.diff)).not.toContain("ada.person");
    expect(JSON.stringify(audit?.diff)).not.toContain("Ada");
  });

  it("by widget userId finds the conversations and the leads left in them", async () => {
    const org = await app.seedOrg("Erase User");
    const person = await seedPerson(org, EMAIL, USER_ID);
    const { receipt } = await app
      .caller(org.owner.accessToken)
      .compliance.eraseContact({ orgId: org.id, userId: USER_ID });
    expect(receipt.counts).toMatchObject({ conversations: 1, leads: 1 });
    expect(await rowsMentioning(org.id, USER_ID)).toEqual({});
    expect(await rowsMentioning(org.id, EMAIL)).toEqual({});
    // Only the contact.erased event names the erased conversation, so subscribers can erase their copies.
    expect(await rowsMentioning(org.id, person.conversationId)).toEqual({ domain_events: 1 });
  });

  it("refuses bad input, other orgs and weaker roles, erasing nothing", async () => {
    const org = await app.seedOrg("Erase Guard");
    const other = await app.seedOrg("Erase Guard Other");
    await seedPerson(org, EMAIL, USER_ID);
    const owner = app.caller(org.owner.accessToken);
    for (const input of [
      {},
      { email: EMAIL, userId: USER_ID },
      { email: "not-an-email" },
      { userId: "a\u0000b" },
    ]) {
      await expect(owner.compliance.eraseContact({ orgId: org.id, ...input })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
    await expect(
      app.caller(org.agent.accessToken).compliance.eraseContact({ orgId: org.id, email: EMAIL }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      app.caller(other.owner.accessToken).compliance.eraseContact({ orgId: org.id, email: EMAIL }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      app.caller("nope").compliance.exportContact({ orgId: org.id, email: EMAIL }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect(await rowsMentioning(org.id, EMAIL)).not.toEqual({});
  });
});

describe("compliance.exportContact", () => {
  it("returns the person's leads, conversations, messages, feedback, tickets and usage in one document", async () => {
    const org = await app.seedOrg("Export Person");
    const person = await seedPerson(org, EMAIL, USER_ID);
    await seedPerson(org, "someone.else@example.test", "visitor-other");
    const document = await app
      .caller(org.admin.accessToken)
      .compliance.exportContact({ orgId: org.id, email: EMAIL });
    expect(document.contact).toEqual({ email: EMAIL, userId: null });
    expect(document.leads.map((lead) => lead.id)).toEqual([person.leadId]);
    expect(document.conversations.map((conversation) => conversation.id)).toEqual([person.conversationId]);
    expect(document.messages.map((message) => message.content)).toEqual([`I am ${EMAIL}`]);
    expect(document.feedback).toHaveLength(1);
    expect(document.tickets).toHaveLength(1);
    expect(document.ticketEvents.length).toBeGreaterThanOrEqual(1);
    expect(document.usageEvents).toHaveLength(1);
    expect(JSON.stringify(document)).not.toContain("someone.else");
  });
});
