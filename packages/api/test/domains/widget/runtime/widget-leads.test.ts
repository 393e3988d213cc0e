import { createHmac } from "node:crypto";
import { and, bots, eq, leads } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_ORIGIN, seedBot } from "../../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../../harness";

/** Two visitors, one email: only the one who left the lead (or the same verified user) changes it. */

let app: TestApp;
let org: SeededOrg;
let botId: string;
let identitySecret: string;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Visitor leads");
  botId = (await seedBot(app, org.id)).id;
  const [bot] = await app.database.db
    .select({ identitySecret: bots.identitySecret })
    .from(bots)
    .where(eq(bots.id, botId));
  identitySecret = bot?.identitySecret ?? "";
});
afterAll(async () => {
  await app?.close();
});

const widget = (token?: string) => app.caller(token ?? null, { origin: PAGE_ORIGIN }).widget;

/** A widget session, anonymous or identified as `userId` (signed as the site's server would). */
async function openSession(userId?: string) {
  const identity = userId
    ? { userId, userHash: createHmac("sha256", identitySecret).update(userId).digest("hex") }
    : {};
  const session = await widget().sessions.create({ botId, ...identity });
  return {
    conversationId: session.conversationId,
    submit: (details: {
      email: string;
      name?: string;
      phone?: string;
      customFields?: Record<string, string>;
    }) => widget(session.token).lead.submit({ conversationId: session.conversationId, ...details }),
  };
}

async function leadOf(email: string) {
  const rows = await app.database.db
    .select({
      id: leads.id,
      name: leads.name,
      phone: leads.phone,
      customFields: leads.customFields,
      conversationId: leads.conversationId,
    })
    .from(leads)
    .where(and(eq(leads.botId, botId), eq(leads.email, email)));
  expect(rows).toHaveLength(1);
  return rows[0];
}

describe("widget.lead.submit for an email that already has a lead", () => {
  it("lets another anonymous session fill only what is empty, never overwrite", async () => {
    const grace = await openSession();
    const { leadId } = await grace.submit({
      email: "grace@example.com",
      name: "Grace Hopper",
      customFields: { topic: "pricing" },
    });
    const mallory = await openSession();
    // Same address spelt differently: the same lead.
    const answer = await mallory.submit({
      email: "  GRACE@example.com ",
      name: "Mallory",
      phone: "+1 555 0100",
      customFields: { topic: "spam", company: "Initech" },
    });
    expect(answer).toEqual({ leadId });
    expect(await leadOf("grace@example.com")).toEqual({
      id: leadId,
      name: "Grace Hopper",
      phone: "+1 555 0100",
      customFields: { topic: "pricing", company: "Initech" },
      conversationId: grace.conversationId,
    });

    // What a later session filled in is now as protected as the rest.
    const third = await openSession();
    await third.submit({
      email: "grace@example.com",
      phone: "+1 555 9999",
      customFields: { company: "Evil" },
    });
    expect(await leadOf("grace@example.com")).toMatchObject({
      phone: "+1 555 0100",
      customFields: { topic: "pricing", company: "Initech" },
    });
  });

  it("lets the session that left the lead correct it", async () => {
    const ada = await openSession();
    await ada.submit({
      email: "ada@example.com",
      name: "Ada",
      phone: "+44 20 0000",
      customFields: { plan: "free" },
    });
    await ada.submit({ email: "ada@example.com", name: "Ada Lovelace", customFields: { plan: "pro" } });
    expect(await leadOf("ada@example.com")).toMatchObject({
      name: "Ada Lovelace",
      phone: "+44 20 0000",
      customFields: { plan: "pro" },
      conversationId: ada.conversationId,
    });
  });

  it("lets the same verified end user update from a new session, but no other identity", async () => {
    const first = await openSession("user-42");
    await first.submit({ email: "returning@example.com", name: "Old Name" });
    const later = await openSession("user-42");
    await later.submit({ email: "returning@example.com", name: "New Name" });
    expect(await leadOf("returning@example.com")).toMatchObject({
      name: "New Name",
      conversationId: later.conversationId,
    });
    const stranger = await openSession("user-666");
    await stranger.submit({ email: "returning@example.com", name: "Stranger" });
    const anonymous = await openSession();
    await anonymous.submit({ email: "returning@example.com", name: "Anonymous" });
    expect(await leadOf("returning@example.com")).toMatchObject({
      name: "New Name",
      conversationId: later.conversationId,
    });
  });

  it("keeps a lead an org member created out of any visitor's reach, while members still update it", async () => {
    const members = app.caller(org.admin.accessToken).leads;
    await members.create({ orgId: org.id, botId, email: "crm@example.com", name: "From CRM" });
    const visitor = await openSession();
    await visitor.submit({ email: "crm@example.com", name: "Visitor", phone: "+1 555 0142" });
    expect(await leadOf("crm@example.com")).toMatchObject({
      name: "From CRM",
      phone: "+1 555 0142",
      conversationId: null,
    });
    await members.create({ orgId: org.id, botId, email: "crm@example.com", name: "Fixed by staff" });
    expect(await leadOf("crm@example.com")).toMatchObject({ name: "Fixed by staff" });
  });
});
