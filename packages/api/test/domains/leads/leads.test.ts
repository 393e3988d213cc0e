import { eq, leads } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRows, failureOf } from "../../auth-helpers";
import { eventsOf, seedBot, seedConversation } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
let botId: string;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Leads");
  other = await app.seedOrg("Leads Elsewhere");
  botId = (await seedBot(app, org.id)).id;
});
afterAll(async () => {
  await app?.close();
});

describe("leads.create", () => {
  it("deduplicates by trimmed, lower-cased email per bot and emits lead.created once", async () => {
    const agent = app.caller(org.agent.accessToken);
    const conversationId = await seedConversation(app, org.id, botId);
    const { lead: first, created: firstCreated } = await agent.leads.create({
      orgId: org.id,
      botId,
      email: "  Ada@Example.COM ",
      name: "Ada",
      customFields: { company: "Analytical Engines", plan: "pro" },
    });
    expect(firstCreated).toBe(true);
    expect(first).toMatchObject({
      email: "ada@example.com",
      name: "Ada",
      phone: null,
      source: "api",
    });
    const { lead: second, created: secondCreated } = await agent.leads.create({
      orgId: org.id,
      botId,
      conversationId,
      email: "ada@example.com",
      phone: "+44 20 7946 0000",
      customFields: { plan: "enterprise" },
    });
    expect(secondCreated).toBe(false);
    expect(second).toMatchObject({
      id: first.id,
      name: "Ada",
      phone: "+44 20 7946 0000",
      conversationId,
      customFields: { company: "Analytical Engines", plan: "enterprise" },
    });
    const rows = await app.database.db.select().from(leads).where(eq(leads.botId, botId));
    expect(rows).toHaveLength(1);
    const events = await eventsOf(app, org.id, "lead.created");
    expect(events.map((event) => event.data)).toEqual([
      { leadId: first.id, botId, conversationId: null, email: "ada@example.com", name: "Ada", phone: null },
    ]);
    expect((await auditRows(app, { action: "lead.created", actorId: org.agent.id })).length).toBe(1);
    expect((await auditRows(app, { action: "lead.updated", actorId: org.agent.id })).length).toBe(1);

    const otherBot = await seedBot(app, org.id);
    const separate = await agent.leads.create({
      orgId: org.id,
      botId: otherBot.id,
      email: "ada@example.com",
    });
    expect(separate.created).toBe(true);
  });

  it("validates email, phone and custom fields, changing nothing", async () => {
    const agent = app.caller(org.agent.accessToken);
    const bad = [
      { email: "not-an-email" },
      { email: "" },
      { email: "x@example.com", phone: "call me maybe" },
      { email: "x@example.com", customFields: { "1bad": "v" } },
      {
        email: "x@example.com",
        customFields: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, "v"])),
      },
      { email: "x@example.com", name: "n".repeat(201) },
    ];
    for (const input of bad) {
      expect(
        (await failureOf(agent.leads.create({ orgId: org.id, botId, ...input }))).code,
        JSON.stringify(input),
      ).toBe("BAD_REQUEST");
    }
    const rows = await app.database.db.select().from(leads).where(eq(leads.email, "x@example.com"));
    expect(rows).toEqual([]);
  });

  it("answers 404 for another org's bot or a conversation of another bot", async () => {
    const agent = app.caller(org.agent.accessToken);
    const foreignBot = await seedBot(app, other.id);
    expect(
      (await failureOf(agent.leads.create({ orgId: org.id, botId: foreignBot.id, email: "a@b.example" })))
        .code,
    ).toBe("NOT_FOUND");
    const otherBot = await seedBot(app, org.id);
    const conversationId = await seedConversation(app, org.id, otherBot.id);
    expect(
      (await failureOf(agent.leads.create({ orgId: org.id, botId, conversationId, email: "a@b.example" })))
        .code,
    ).toBe("NOT_FOUND");
  });

  it("needs agent or above", async () => {
    const viewer = app.caller(org.viewer.accessToken);
    expect(
      (await failureOf(viewer.leads.create({ orgId: org.id, botId, email: "v@example.com" }))).code,
    ).toBe("FORBIDDEN");
    expect((await failureOf(viewer.leads.list({ orgId: org.id }))).code).toBe("FORBIDDEN");
  });
});

describe("leads.list and get", () => {
  it("lists newest first with filters and cursors, gets one, and hides other orgs' and bots' leads", async () => {
    const bot = await seedBot(app, org.id);
    const agent = app.caller(org.agent.accessToken);
    const created = [];
    for (const email of ["one@example.com", "two@example.com", "three@example.com"]) {
      created.push((await agent.leads.create({ orgId: org.id, botId: bot.id, email })).lead);
    }
    const page1 = await agent.leads.list({ orgId: org.id, botId: bot.id, limit: 2 });
    const page2 = await agent.leads.list({
      orgId: org.id,
      botId: bot.id,
      limit: 2,
      cursor: page1.nextCursor ?? "",
    });
    expect([...page1.items, ...page2.items].map((lead) => lead.email)).toEqual([
      "three@example.com",
      "two@example.com",
      "one@example.com",
    ]);
    expect(page2.nextCursor).toBeNull();
    expect(
      (await agent.leads.list({ orgId: org.id, email: "TWO@example.com" })).items.map((lead) => lead.id),
    ).toEqual([created[1]?.id]);
    expect((await agent.leads.get({ orgId: org.id, leadId: created[0]?.id ?? "" })).lead).toMatchObject({
      email: "one@example.com",
      botId: bot.id,
    });

    const foreignBot = await seedBot(app, other.id);
    const { lead: foreign } = await app
      .caller(other.agent.accessToken)
      .leads.create({ orgId: other.id, botId: foreignBot.id, email: "one@example.com" });
    expect((await failureOf(agent.leads.get({ orgId: org.id, leadId: foreign.id }))).code).toBe("NOT_FOUND");

    const restricted = await app.seedApiKey(org.id, { scopes: ["read:bots"], botId });
    const key = app.caller(restricted.key);
    expect((await key.leads.list({ orgId: org.id })).items.every((lead) => lead.botId === botId)).toBe(true);
    expect((await failureOf(key.leads.get({ orgId: org.id, leadId: created[0]?.id ?? "" }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await failureOf(key.leads.list({ orgId: org.id, botId: bot.id }))).code).toBe("NOT_FOUND");
    expect((await failureOf(key.leads.create({ orgId: org.id, botId, email: "k@example.com" }))).code).toBe(
      "FORBIDDEN",
    );
  });

  it("restricts the export to admins and admin:org keys", async () => {
    const agentExport = failureOf(
      (async () => {
        const stream = await app.caller(org.agent.accessToken).leads.export({ orgId: org.id, format: "csv" });
        for await (const _chunk of stream) break;
      })(),
    );
    expect((await agentExport).code).toBe("FORBIDDEN");
    const reader = await app.seedApiKey(org.id, { scopes: ["read:bots", "write:bots"] });
    expect(
      (await failureOf(app.caller(reader.key).leads.export({ orgId: org.id, format: "json" }))).code,
    ).toBe("FORBIDDEN");
  });
});
