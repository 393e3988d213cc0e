import { rowsOf, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainOrg, rebuild } from "../../../src/domains/analytics/rollup";
import type { Metrics } from "../../../src/domains/analytics/schemas";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { backfill, type ScratchDay, scratchDays, seedActivity } from "./analytics-fixtures";

let app: TestApp;
let org: SeededOrg;
let botIds: string[];
const TIME_ZONE = "America/New_York";
// Ten days across the spring-forward night of 2026-03-08 in New York.
const FROM = "2026-03-02";
const TO = "2026-03-14";

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Rollups");
  const owner = app.caller(org.owner.accessToken);
  await owner.orgs.update({ orgId: org.id, timeZone: TIME_ZONE });
  botIds = [];
  for (const name of ["Alpha", "Bravo"])
    botIds.push((await owner.bots.create({ orgId: org.id, name })).bot.id);
});
afterAll(async () => {
  await app?.close();
});

const expected = (day: ScratchDay | undefined): Partial<Metrics> => ({
  conversations: day?.conversations ?? 0,
  messages: day?.messages ?? 0,
  messagesPerConversation: day?.conversations ? day.conversationMessages / day.conversations : null,
  resolvedByBot: day?.resolvedByBot ?? 0,
  durablyResolved: day?.durablyResolved ?? 0,
  escalated: day?.escalated ?? 0,
  firstResponseMs: day?.firstResponses ? Math.round(day.firstResponseMsSum / day.firstResponses) : null,
  tickets: day?.tickets ?? 0,
  feedback: day?.feedback ?? 0,
  helpfulFeedback: day?.helpfulFeedback ?? 0,
  leads: day?.leads ?? 0,
  inputTokens: day?.inputTokens ?? 0,
  outputTokens: day?.outputTokens ?? 0,
  costMicros: day?.costMicros ?? 0,
});

async function expectReportMatchesScratch() {
  const { report } = await app
    .caller(org.viewer.accessToken)
    .analytics.overview({ orgId: org.id, from: FROM, to: TO });
  const scratch = await scratchDays(app.deps.db, org.id, TIME_ZONE);
  expect(report.series.length).toBe(13);
  for (const { date, metrics } of report.series)
    expect(metrics, date).toMatchObject(expected(scratch.get(date)));
  const busy = [...scratch.values()].filter((day) => day.date >= FROM && day.date <= TO);
  expect(report.totals.conversations).toBe(busy.reduce((sum, day) => sum + day.conversations, 0));
  expect(report.totals.conversations).toBeGreaterThan(100);
  return report;
}

const bucketsOf = async () =>
  rowsOf<Record<string, unknown>>(
    await app.deps.db.execute(sql`select * from analytics_buckets where org_id = ${org.id}::uuid
      and (conversations + messages + feedback + leads + tickets + input_tokens) > 0 order by bucket, bot_id`),
  );
const reasonsOf = async () =>
  rowsOf<Record<string, unknown>>(
    await app.deps.db.execute(sql`select * from analytics_reasons where org_id = ${org.id}::uuid
      order by bucket, bot_id, kind, reason`),
  );

describe("rollups against a from-scratch computation", () => {
  it("match after the first writes, then after late, backfilled, changed and deleted rows", async () => {
    await seedActivity(app.deps.db, {
      orgId: org.id,
      botIds,
      start: "2026-03-03T00:00:00Z",
      count: 240,
      spacingSeconds: 3517,
      salt: "first",
    });
    const first = await expectReportMatchesScratch();
    expect(first.totals.escalated).toBeGreaterThan(0);
    expect(first.escalationReasons.length).toBeGreaterThan(0);

    await backfill(app.deps.db, org.id, botIds, "2026-03-02T12:00:00Z");
    const marked = rowsOf<{ n: number }>(
      await app.deps.db.execute(
        sql`select count(*)::int as n from analytics_dirty where org_id = ${org.id}::uuid`,
      ),
    );
    expect(marked[0]?.n).toBeGreaterThan(0);
    const second = await expectReportMatchesScratch();
    expect(second.totals.conversations).toBeGreaterThan(first.totals.conversations);
    expect(second.totals.durablyResolved).toBeLessThan(second.totals.resolvedByBot);
  });

  it("equal a rebuild from scratch, bucket for bucket", async () => {
    await drainOrg(app.deps.db, org.id);
    const [buckets, reasons] = [await bucketsOf(), await reasonsOf()];
    expect(buckets.length).toBeGreaterThan(100);
    await rebuild(app.deps.db, org.id);
    expect(await bucketsOf()).toEqual(buckets);
    expect(await reasonsOf()).toEqual(reasons);
  });

  it("leaves other orgs' rollups alone and keeps nothing of a deleted bot", async () => {
    const other = await app.seedOrg("Other rollups");
    const owner = app.caller(other.owner.accessToken);
    const { bot } = await owner.bots.create({ orgId: other.id, name: "Elsewhere" });
    await seedActivity(app.deps.db, {
      orgId: other.id,
      botIds: [bot.id],
      start: "2026-03-05T00:00:00Z",
      count: 20,
      spacingSeconds: 600,
      salt: "other",
    });
    await drainOrg(app.deps.db, other.id);
    await rebuild(app.deps.db, org.id);
    const { report } = await owner.analytics.overview({ orgId: other.id, from: FROM, to: TO });
    expect(report.totals.conversations).toBe(20);
    await app.deps.db.execute(sql`delete from bots where id = ${bot.id}::uuid`);
    await drainOrg(app.deps.db, other.id);
    const after = await owner.analytics.overview({ orgId: other.id, from: FROM, to: TO });
    expect(after.report.totals.conversations).toBe(0);
    expect(after.report.bots).toEqual([]);
  });
});
