import { actionRuns, messages } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeError } from "../../src/core/errors";
import { BOT_SCOPES, type BotScope } from "../../src/core/org-scope";
import { API_KEY_SCOPES } from "../../src/core/policy";
import { failureOf } from "../auth-helpers";
import { seedBot, seedConversation } from "../conversations-fixtures";
import { type Caller, createTestApp, type SeededOrg, type TestApp } from "../harness";
import { botScopable, callableAt, isPermission, type WalkedProcedure, walkProcedures } from "../router-walk";

/**
 * Issue #7 item 3, for the whole class: a key restricted to bot A walks every procedure it can reach
 * against the data of bot B, in the same org, and gets nothing of B back — 404, 403 or rows left out.
 */

interface BotData {
  botId: string;
  name: string;
  versionId: string;
  conversationId: string;
  messageIds: string[];
  feedbackId: string;
  leadId: string;
  leadEmail: string;
  actionId: string;
  runId: string;
}

let app: TestApp;
let org: SeededOrg;
let procedures: WalkedProcedure[];
let botA: BotData;
let botB: BotData;
/** Bot A's key as stored before creation refused org-wide scopes: every scope, `admin:org` included. */
let restricted: Caller;

async function seedBotData(label: string): Promise<BotData> {
  const owner = app.caller(org.owner.accessToken);
  const bot = await seedBot(app, org.id, { published: { welcomeMessage: `Hello from ${label}` } });
  const conversationId = await seedConversation(app, org.id, bot.id);
  const rows = await app.database.db
    .insert(messages)
    .values(
      (["visitor", "bot"] as const).map((role) => ({
        orgId: org.id,
        conversationId,
        botId: bot.id,
        role,
        content: `${label} ${role}`,
      })),
    )
    .returning({ id: messages.id });
  const messageIds = rows.map((row) => row.id);
  const feedback = await owner.conversations.feedback.submit({
    orgId: org.id,
    messageId: messageIds[1] as string,
    helpful: false,
  });
  const leadEmail = `lead-${label.toLowerCase()}@example.test`;
  const lead = await owner.leads.create({ orgId: org.id, botId: bot.id, conversationId, email: leadEmail });
  await owner.knowledge.entries.replace({
    orgId: org.id,
    botId: bot.id,
    entries: [{ question: `What is ${label}?`, answer: `${label} is a bot.` }],
  });
  const { action } = await owner.actions.create({
    orgId: org.id,
    name: `${label} action`,
    paramSchema: { type: "object" },
    config: {
      type: "http",
      method: "GET",
      urlTemplate: "https://example.com/x",
      headerTemplates: {},
      integrationId: null,
    },
    allowedBotIds: [bot.id],
  });
  const [run] = await app.database.db
    .insert(actionRuns)
    .values({
      orgId: org.id,
      actionId: action.id,
      botId: bot.id,
      trigger: "api",
      status: "succeeded",
      input: {},
    })
    .returning({ id: actionRuns.id });
  const { bot: view } = await owner.bots.get({ orgId: org.id, botId: bot.id });
  return {
    botId: bot.id,
    name: view.name,
    versionId: bot.versionId as string,
    conversationId,
    messageIds,
    feedbackId: feedback.feedback.id,
    leadId: lead.lead.id,
    leadEmail,
    actionId: action.id,
    runId: run?.id as string,
  };
}

/** Everything that would betray bot B in an answer. */
const traces = (bot: BotData) => [
  bot.botId,
  bot.name,
  bot.versionId,
  bot.conversationId,
  ...bot.messageIds,
  bot.feedbackId,
  bot.leadId,
  bot.leadEmail,
  bot.actionId,
  bot.runId,
];

/**
 * The inputs each procedure is tried with, given bot B (the other) and bot A (the key's own).
 * A procedure a restricted key can reach without a recipe fails the walk: add one when adding it.
 */
const RECIPES: Record<string, (b: BotData, a: BotData) => object[]> = {
  "bots.templates": () => [{}],
  "bots.list": () => [{}, { includeDeleted: true }],
  "bots.get": (b) => [{ botId: b.botId }],
  "bots.update": (b) => [{ botId: b.botId, name: "Taken over" }],
  "bots.delete": (b) => [{ botId: b.botId }],
  "bots.restore": (b) => [{ botId: b.botId }],
  "bots.publish": (b) => [{ botId: b.botId }],
  "bots.versions": (b) => [{ botId: b.botId }],
  "bots.restoreVersion": (b, a) => [
    { botId: b.botId, versionId: b.versionId },
    { botId: a.botId, versionId: b.versionId },
  ],
  "bots.identitySecret": (b) => [{ botId: b.botId }],
  "bots.rotateIdentitySecret": (b) => [{ botId: b.botId }],
  "widget.getOrgDefaults": () => [{}],
  "widget.get": (b) => [{ botId: b.botId }],
  "widget.set": (b) => [{ botId: b.botId, settings: { launcherText: "Taken over" } }],
  "widget.preview": (b) => [{ botId: b.botId }],
  "conversations.list": (b) => [{}, { botId: b.botId }],
  "conversations.get": (b) => [{ conversationId: b.conversationId }],
  "conversations.messages": (b) => [{ conversationId: b.conversationId }],
  "conversations.reply": (b) => [{ conversationId: b.conversationId, content: "Taken over" }],
  "conversations.resolve": (b) => [{ conversationId: b.conversationId }],
  "conversations.reopen": (b) => [{ conversationId: b.conversationId }],
  "conversations.assign": (b) => [{ conversationId: b.conversationId, assigneeId: org.agent.id }],
  "conversations.handBack": (b) => [{ conversationId: b.conversationId }],
  "conversations.tags.replace": (b) => [{ conversationId: b.conversationId, tags: ["taken"] }],
  "conversations.feedback.list": (b) => [{}, { botId: b.botId }, { conversationId: b.conversationId }],
  "leads.create": (b, a) => [
    { botId: b.botId, email: "taken@example.test" },
    { botId: a.botId, conversationId: b.conversationId, email: "taken@example.test" },
  ],
  "leads.list": (b) => [{}, { botId: b.botId }, { email: b.leadEmail }],
  "leads.get": (b) => [{ leadId: b.leadId }],
  "limits.get": () => [{}],
  "analytics.overview": () => [{}, { range: "90d" }],
  "analytics.bot": (b) => [{ botId: b.botId }],
  "knowledge.entries.list": (b) => [{ botId: b.botId }],
  "knowledge.entries.replace": (b) => [{ botId: b.botId, entries: [] }],
  "knowledge.entries.search": (b) => [{ botId: b.botId, query: "Bravo" }],
  "actions.list": () => [{}],
  "actions.get": (b) => [{ actionId: b.actionId }],
  "actions.runs": (b, a) => [{ actionId: b.actionId }, { actionId: a.actionId }],
  "actions.getRun": (b) => [{ runId: b.runId }],
  "actions.run": (b, a) => [
    { actionId: b.actionId, botId: b.botId, input: {} },
    { actionId: a.actionId, botId: b.botId, input: {} },
  ],
};

/** What the owner sees of bot B: it must be the same after the walk (no write reached it). */
async function stateOf(bot: BotData) {
  const owner = app.caller(org.owner.accessToken);
  const orgId = org.id;
  const botId = bot.botId;
  return JSON.stringify(
    await Promise.all([
      owner.bots.get({ orgId, botId }),
      owner.bots.versions({ orgId, botId }),
      owner.widget.get({ orgId, botId }),
      owner.conversations.get({ orgId, conversationId: bot.conversationId }),
      owner.conversations.messages({ orgId, conversationId: bot.conversationId }),
      owner.leads.list({ orgId, botId }),
      owner.knowledge.entries.list({ orgId, botId }),
    ]),
  );
}

const keyReachable = (procedure: WalkedProcedure) =>
  isPermission(procedure.meta.requires) && botScopable(procedure.meta.requires);

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Restricted Keys");
  procedures = await walkProcedures();
  botA = await seedBotData("Alpha");
  botB = await seedBotData("Bravo");
  const key = await app.seedApiKey(org.id, { scopes: [...API_KEY_SCOPES], botId: botA.botId });
  restricted = app.caller(key.key);
});
afterAll(async () => {
  await app?.close();
});

describe("declarations", () => {
  it("every org procedure a bot-scopable scope reaches says how it confines a restricted key", () => {
    const reachable = procedures.filter(keyReachable);
    expect(reachable.length).toBeGreaterThan(20);
    const undeclared = reachable.filter((procedure) => procedure.meta.botScope === undefined);
    expect(undeclared.map((procedure) => procedure.path)).toEqual([]);
  });

  it("declares only known bot scopes, and only on org procedures", () => {
    for (const { path, meta } of procedures) {
      if (meta.botScope === undefined) continue;
      expect(BOT_SCOPES, path).toContain(meta.botScope);
      expect(isPermission(meta.requires), path).toBe(true);
    }
  });

  it("has a walk recipe for every procedure a restricted key is not refused outright", () => {
    const walked = procedures.filter(
      (procedure) => keyReachable(procedure) && procedure.meta.botScope !== "org-wide",
    );
    expect(walked.map((procedure) => procedure.path).sort()).toEqual(Object.keys(RECIPES).sort());
  });
});

describe("a key restricted to bot A, against bot B of the same org", () => {
  it("gets nothing of bot B from any org procedure, and changes nothing of it", async () => {
    const before = await stateOf(botB);
    const other = traces(botB);
    const checked: Record<BotScope, number> = { input: 0, filtered: 0, shared: 0, "org-wide": 0 };
    for (const { path, meta } of procedures.filter((procedure) => isPermission(procedure.meta.requires))) {
      const botScope = meta.botScope ?? "org-wide";
      const call = (input: object) => callableAt(restricted, path)({ orgId: org.id, ...input });
      checked[botScope]++;
      if (botScope === "org-wide") {
        // Whatever the key's stored scopes (here all of them): an org-wide procedure is refused.
        expect((await failureOf(call({}))).code, path).toBe("FORBIDDEN");
        continue;
      }
      const recipe = RECIPES[path];
      if (!recipe) throw new Error(`no walk recipe for ${path}`);
      for (const input of recipe(botB, botA)) {
        const label = `${path} ${JSON.stringify(input)}`;
        const namesB = other.some((trace) => JSON.stringify(input).includes(trace));
        if (botScope === "input") {
          expect((await failureOf(call(input))).code, label).toBe("NOT_FOUND");
          continue;
        }
        const outcome = await call(input).then(
          (value) => ({ value }),
          (error: unknown) => ({ error: describeError(error).code }),
        );
        if ("error" in outcome) {
          // Naming bot B's resource may answer 404; anything else is a failure of the walk itself.
          expect(namesB && outcome.error === "NOT_FOUND", `${label}: ${outcome.error}`).toBe(true);
          continue;
        }
        const text = JSON.stringify(outcome.value);
        for (const trace of other) expect(text, `${label} shows ${trace}`).not.toContain(trace);
        // Not vacuous: without naming bot B, a list shows bot A (so a filter did the leaving out).
        if (!namesB && botScope === "filtered") expect(text, label).toContain(botA.botId);
      }
    }
    expect(checked.input).toBeGreaterThan(0);
    expect(checked.filtered).toBeGreaterThan(0);
    expect(checked.shared).toBeGreaterThan(0);
    expect(checked["org-wide"]).toBeGreaterThan(0);
    expect(await stateOf(botB)).toBe(before);
  });

  it("refuses what issue #7 reproduced: webhook deliveries, audit and org reads are org-wide", async () => {
    const orgId = org.id;
    for (const call of [
      () => restricted.webhooks.endpoints.create({ orgId, url: "https://hooks.example", eventTypes: [] }),
      () => restricted.webhooks.deliveries.get({ orgId } as never),
      () => restricted.audit.list({ orgId }),
      () => restricted.orgs.get({ orgId }),
      () => restricted.leads.export({ orgId, format: "csv" }),
    ]) {
      expect(await failureOf(call())).toMatchObject({
        code: "FORBIDDEN",
        message: "An API key restricted to one bot cannot call this operation",
      });
    }
  });

  it("sees only its own bot in limits.get, with the org's limits it is subject to", async () => {
    const report = await restricted.limits.get({ orgId: org.id });
    const owner = await app.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    expect(report.bots.map((bot) => bot.botId)).toEqual([botA.botId]);
    expect(owner.bots.map((bot) => bot.botId).sort()).toEqual([botA.botId, botB.botId].sort());
    expect(report.limits).toEqual(owner.limits);
    expect(report.caller).toMatchObject({ scope: "apiKey" });
  });

  it("still works on its own bot through the same procedures", async () => {
    const orgId = org.id;
    expect((await restricted.bots.get({ orgId, botId: botA.botId })).bot.id).toBe(botA.botId);
    const { items } = await restricted.conversations.feedback.list({
      orgId,
      conversationId: botA.conversationId,
    });
    expect(items.map((item) => item.id)).toEqual([botA.feedbackId]);
    expect((await restricted.leads.get({ orgId, leadId: botA.leadId })).lead.email).toBe(botA.leadEmail);
    const found = await restricted.knowledge.entries.search({
      orgId,
      botId: botA.botId,
      query: "Alpha",
    });
    expect(found.items.length).toBeGreaterThan(0);
  });
});

describe("requirements behind the walk", () => {
  it("input procedures really take a botId: without one the call is a BAD_REQUEST", async () => {
    const inputs = procedures.filter((procedure) => procedure.meta.botScope === "input");
    expect(inputs.length).toBeGreaterThan(0);
    for (const { path } of inputs) {
      expect((await failureOf(callableAt(restricted, path)({ orgId: org.id }))).code, path).toBe(
        "BAD_REQUEST",
      );
    }
  });

  it("leaves users and unrestricted keys on every bot", async () => {
    const unrestricted = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    for (const token of [unrestricted.key, org.viewer.accessToken]) {
      const { items } = await app.caller(token).bots.list({ orgId: org.id });
      expect(items.map((bot) => bot.id).sort()).toEqual([botA.botId, botB.botId].sort());
    }
  });
});
