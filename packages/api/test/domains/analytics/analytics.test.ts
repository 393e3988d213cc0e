import { rowsOf, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDateOf, resolveRange } from "../../../src/domains/analytics/range";
import { auditRows, failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let botId: string;
let otherBotId: string;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Analytics");
  const owner = app.caller(org.owner.accessToken);
  botId = (await owner.bots.create({ orgId: org.id, name: "Helper" })).bot.id;
  otherBotId = (await owner.bots.create({ orgId: org.id, name: "Other" })).bot.id;
});
afterAll(async () => {
  await app?.close();
});

const setZone = (timeZone: string) =>
  app.caller(org.owner.accessToken).orgs.update({ orgId: org.id, timeZone });
const report = (from: string, to: string, bot = botId) =>
  app
    .caller(org.viewer.accessToken)
    .analytics.bot({ orgId: org.id, botId: bot, from, to })
    .then((answer) => answer.report);
const perDay = async (from: string, to: string, bot = botId) =>
  Object.fromEntries(
    (await report(from, to, bot)).series.map((day) => [day.date, day.metrics.conversations]),
  );

/** Bare conversations started at `instants` (ISO), one after another, as an import would write them. */
async function conversationsAt(instants: string[]): Promise<void> {
  for (const at of instants) {
    await app.deps.db.execute(sql`insert into conversations (id, org_id, bot_id, created_at)
      values (gen_random_uuid(), ${org.id}::uuid, ${botId}::uuid, ${at}::timestamptz)`);
  }
}

describe("ranges with a fixed clock", () => {
  it("knows today in the org's zone on either side of a UTC midnight", () => {
    expect(localDateOf(new Date("2026-03-01T18:29:59Z"), "Asia/Kolkata")).toBe("2026-03-01");
    expect(localDateOf(new Date("2026-03-01T18:30:00Z"), "Asia/Kolkata")).toBe("2026-03-02");
    expect(localDateOf(new Date("2026-03-09T03:59:59Z"), "America/New_York")).toBe("2026-03-08");
    expect(localDateOf(new Date("2026-03-09T04:00:00Z"), "America/New_York")).toBe("2026-03-09");
    expect(localDateOf(new Date("2026-12-31T23:59:59.999Z"), "UTC")).toBe("2026-12-31");
  });

  it("turns presets and custom ranges into local days", () => {
    const now = new Date("2026-03-08T04:30:00Z"); // 23:30 on March 7 in New York
    expect(resolveRange({ range: "today" }, "America/New_York", now)).toEqual({
      from: "2026-03-07",
      to: "2026-03-07",
    });
    expect(resolveRange({ range: "today" }, "UTC", now)).toEqual({ from: "2026-03-08", to: "2026-03-08" });
    expect(resolveRange({}, "UTC", now)).toEqual({ from: "2026-03-02", to: "2026-03-08" });
    expect(resolveRange({ range: "90d" }, "UTC", now)).toEqual({ from: "2025-12-09", to: "2026-03-08" });
    expect(resolveRange({ from: "2026-02-27" }, "Asia/Kolkata", now)).toEqual({
      from: "2026-02-27",
      to: "2026-03-08",
    });
    for (const input of [
      { to: "2026-03-01" },
      { from: "2026-03-02", to: "2026-03-01" },
      { from: "2025-01-01" },
    ]) {
      expect(() => resolveRange(input, "UTC", now), JSON.stringify(input)).toThrow();
    }
  });
});

describe("days in the org's time zone", () => {
  it("counts New York days of 23 and 25 hours across DST, and regroups when the zone changes", async () => {
    await setZone("America/New_York");
    // Spring forward (2026-03-08 has 23 hours): 05:00Z is its midnight, 04:00Z the next one.
    await conversationsAt([
      "2026-03-08T04:59:59Z",
      "2026-03-08T05:00:00Z",
      "2026-03-09T03:59:59Z",
      "2026-03-09T04:00:00Z",
    ]);
    expect(await perDay("2026-03-07", "2026-03-09")).toEqual({
      "2026-03-07": 1,
      "2026-03-08": 2,
      "2026-03-09": 1,
    });
    // Fall back (2026-11-01 has 25 hours): from 04:00Z to 05:00Z the next day.
    await conversationsAt([
      "2026-11-01T03:59:59Z",
      "2026-11-01T04:00:00Z",
      "2026-11-02T04:59:59Z",
      "2026-11-02T05:00:00Z",
    ]);
    expect(await perDay("2026-10-31", "2026-11-02")).toEqual({
      "2026-10-31": 1,
      "2026-11-01": 2,
      "2026-11-02": 1,
    });
    await setZone("UTC");
    expect(await perDay("2026-11-01", "2026-11-02")).toEqual({ "2026-11-01": 2, "2026-11-02": 2 });
  });

  it("splits Kolkata days at 18:30 UTC and UTC days at midnight", async () => {
    await setZone("Asia/Kolkata");
    await conversationsAt([
      "2026-05-01T18:29:59Z",
      "2026-05-01T18:30:00Z",
      "2026-05-02T23:59:59.999Z",
      "2026-05-03T00:00:00Z",
    ]);
    expect(await perDay("2026-05-01", "2026-05-03")).toEqual({
      "2026-05-01": 1,
      "2026-05-02": 1,
      "2026-05-03": 2,
    });
    await setZone("UTC");
    expect(await perDay("2026-05-01", "2026-05-03")).toEqual({
      "2026-05-01": 2,
      "2026-05-02": 1,
      "2026-05-03": 1,
    });
    const answer = await report("2026-05-01", "2026-05-03");
    expect(answer.timeZone).toBe("UTC");
    expect(answer.totals.conversations).toBe(4);
  });
});

describe("metric definitions", () => {
  it("computes resolution, durable resolution, escalation, feedback, leads, latency and usage", async () => {
    const db = app.deps.db;
    const bot = otherBotId;
    const ids = {
      solo: crypto.randomUUID(),
      gone: crypto.randomUUID(),
      back: crypto.randomUUID(),
      human: crypto.randomUUID(),
    };
    await db.execute(sql`insert into conversations (id, org_id, bot_id, status, end_user_id, created_at, resolved_at, escalated_at) values
      (${ids.solo}::uuid, ${org.id}::uuid, ${bot}::uuid, 'resolved', null, '2026-06-01T10:00:00Z', '2026-06-01T10:05:00Z', null),
      (${ids.gone}::uuid, ${org.id}::uuid, ${bot}::uuid, 'resolved', 'u-1', '2026-06-01T11:00:00Z', '2026-06-01T11:05:00Z', null),
      (${ids.back}::uuid, ${org.id}::uuid, ${bot}::uuid, 'open', 'u-1', '2026-06-05T11:00:00Z', null, null),
      (${ids.human}::uuid, ${org.id}::uuid, ${bot}::uuid, 'resolved', null, '2026-06-01T12:00:00Z', '2026-06-01T13:00:00Z', '2026-06-01T12:01:00Z')`);
    const message = (conversation: string, role: string, at: string) =>
      sql`(gen_random_uuid(), ${org.id}::uuid, ${conversation}::uuid, ${bot}::uuid, ${role}, 'x', ${at}::timestamptz)`;
    await db.execute(sql`insert into messages (id, org_id, conversation_id, bot_id, role, content, created_at) values
      ${message(ids.solo, "visitor", "2026-06-01T10:00:00Z")}, ${message(ids.solo, "bot", "2026-06-01T10:00:02Z")},
      ${message(ids.gone, "visitor", "2026-06-01T11:00:00Z")}, ${message(ids.gone, "bot", "2026-06-01T11:00:04Z")},
      ${message(ids.human, "visitor", "2026-06-01T12:00:00Z")}, ${message(ids.human, "agent", "2026-06-01T12:03:00Z")}`);
    const [solo] = rowsOf<{ id: string }>(
      await db.execute(
        sql`select id from messages where conversation_id = ${ids.solo}::uuid and role = 'bot'`,
      ),
    );
    await db.execute(sql`insert into feedback (id, org_id, bot_id, conversation_id, message_id, source, user_id, helpful, reason, created_at) values
      (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, ${ids.solo}::uuid, ${solo?.id}::uuid, 'widget', null, true, null, '2026-06-01T10:06:00Z'),
      (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, ${ids.solo}::uuid, ${solo?.id}::uuid, 'member', ${org.owner.id}::uuid, false, 'too long', '2026-06-01T10:07:00Z')`);
    await db.execute(sql`insert into leads (id, org_id, bot_id, conversation_id, email, source, created_at) values
      (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, ${ids.gone}::uuid, 'u1@example.test', 'widget', '2026-06-01T11:02:00Z')`);
    await db.execute(sql`insert into escalation_tickets (id, org_id, bot_id, conversation_id, channel, reason, subject, created_at) values
      (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, ${ids.human}::uuid, 'widget', 'keyword', 'Help', '2026-06-01T12:01:00Z')`);
    await db.execute(sql`insert into usage_events (id, org_id, bot_id, conversation_id, model, kind, input_tokens, output_tokens, cost_micros, created_at) values
      (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, ${ids.solo}::uuid, 'fake', 'chat', 120, 30, 45, '2026-06-01T10:00:02Z'),
      (gen_random_uuid(), ${org.id}::uuid, null, null, 'fake', 'embedding', 999, 0, 1, '2026-06-01T10:00:02Z')`);

    const { totals, escalationReasons, feedbackReasons, bots } = await report(
      "2026-06-01",
      "2026-06-07",
      bot,
    );
    expect(totals).toEqual({
      conversations: 4,
      messages: 6,
      messagesPerConversation: 1.5,
      resolvedByBot: 2,
      resolutionRate: 0.5,
      durablyResolved: 1,
      durableResolutionRate: 0.25,
      escalated: 1,
      escalationRate: 0.25,
      tickets: 1,
      feedback: 2,
      helpfulFeedback: 1,
      helpfulShare: 0.5,
      leads: 1,
      firstResponseMs: Math.round((2000 + 4000 + 180_000) / 3),
      inputTokens: 120,
      outputTokens: 30,
      costMicros: 45,
    });
    expect(escalationReasons).toEqual([{ reason: "keyword", count: 1 }]);
    expect(feedbackReasons).toEqual([{ reason: "too long", count: 1 }]);
    expect(bots.map((entry) => entry.name)).toEqual(["Other"]);
  });
});

describe("access", () => {
  it("lets viewers and read:analytics keys read, and refuses other scopes, strangers and other orgs", async () => {
    const input = { orgId: org.id, from: "2026-03-01", to: "2026-06-30" };
    expect((await app.caller(org.viewer.accessToken).analytics.overview(input)).report.from).toBeTruthy();
    const analyticsKey = await app.seedApiKey(org.id, { scopes: ["read:analytics"] });
    expect((await app.caller(analyticsKey.key).analytics.overview(input)).report.bots.length).toBeGreaterThan(
      0,
    );
    const botsKey = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    expect((await failureOf(app.caller(botsKey.key).analytics.overview(input))).code).toBe("FORBIDDEN");
    expect((await failureOf(app.caller().analytics.overview(input))).code).toBe("UNAUTHORIZED");
    const stranger = await app.seedOrg("Strangers");
    const foreign = app.caller(stranger.owner.accessToken);
    expect((await failureOf(foreign.analytics.overview(input))).code).toBe("NOT_FOUND");
    expect((await failureOf(foreign.analytics.bot({ ...input, botId }))).code).toBe("NOT_FOUND");
    const { bot } = await foreign.bots.create({ orgId: stranger.id, name: "Theirs" });
    const owner = app.caller(org.owner.accessToken);
    expect((await failureOf(owner.analytics.bot({ ...input, botId: bot.id }))).code).toBe("NOT_FOUND");
    const bad = await failureOf(
      owner.analytics.overview({ orgId: org.id, from: "2026-03-02", to: "2026-03-01" }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
  });

  it("validates and audits the org's time zone", async () => {
    const owner = app.caller(org.owner.accessToken);
    expect((await failureOf(owner.orgs.update({ orgId: org.id, timeZone: "Mars/Olympus" }))).code).toBe(
      "BAD_REQUEST",
    );
    expect(
      (await failureOf(app.caller(org.viewer.accessToken).orgs.update({ orgId: org.id, timeZone: "UTC" })))
        .code,
    ).toBe("FORBIDDEN");
    const { org: updated } = await owner.orgs.update({ orgId: org.id, timeZone: "Asia/Kathmandu" });
    expect(updated.timeZone).toBe("Asia/Kathmandu");
    expect((await owner.orgs.get({ orgId: org.id })).org.timeZone).toBe("Asia/Kathmandu");
    const rows = (await auditRows(app, { action: "org.updated" })).filter((row) => row.orgId === org.id);
    expect(rows.at(-1)?.diff).toMatchObject({ after: { timeZone: "Asia/Kathmandu" } });
  });
});
