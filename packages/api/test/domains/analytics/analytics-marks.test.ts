import { rowsOf, type SQL, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainAll, drainOrg } from "../../../src/domains/analytics/rollup";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { seedActivity } from "./analytics-fixtures";

/**
 * The marking triggers (migration 0014) write one mark per distinct bucket a statement touches, not
 * one per row, with the meaning 0009's row triggers had: a message marks its conversation's bucket too,
 * a conversation update marks only when a column a metric reads changes, a returning visitor marks
 * their earlier conversations.
 */

let app: TestApp;
let org: SeededOrg;
let botIds: string[];
const START = "2026-05-04T00:00:00Z";

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Marks");
  const owner = app.caller(org.owner.accessToken);
  botIds = [];
  for (const name of ["Alpha", "Bravo"])
    botIds.push((await owner.bots.create({ orgId: org.id, name })).bot.id);
});
afterAll(async () => {
  await app?.close();
});

const one = async (query: SQL) => Number(rowsOf<{ n: number }>(await app.deps.db.execute(query))[0]?.n);

interface Marks {
  rows: number;
  distinct: number;
}
const marksOf = async (orgId: string): Promise<Marks> => {
  const [row] = rowsOf<Marks>(
    await app.deps.db.execute(sql`select count(*)::int as rows,
      count(distinct (bot_id, bucket))::int as distinct from analytics_dirty where org_id = ${orgId}::uuid`),
  );
  return row ?? { rows: 0, distinct: 0 };
};

/** The buckets of the org's messages selected by `where`, and of their conversations. */
const bucketsOfMessages = (where: SQL) =>
  one(sql`select count(*)::int as n from (
    select m.bot_id, analytics_bucket(m.created_at) from messages m where ${where}
    union
    select c.bot_id, analytics_bucket(c.created_at) from messages m join conversations c on c.id = m.conversation_id
    where ${where}) b`);

describe("marks per statement", () => {
  it("one statement inserting or deleting thousands of messages marks each bucket once", async () => {
    // 60 conversations, one every 10 minutes, so buckets hold one or two of them.
    await app.deps.db.execute(sql`
      insert into conversations (id, org_id, bot_id, status, created_at)
      select gen_random_uuid(), ${org.id}::uuid, case when i % 2 = 0 then ${botIds[0]}::uuid else ${botIds[1]}::uuid end,
        'open', ${START}::timestamptz + i * interval '10 minutes'
      from generate_series(1, 60) i`);
    expect(await marksOf(org.id)).toEqual({ rows: 60, distinct: 60 });
    await drainOrg(app.deps.db, org.id);

    // 50 messages per conversation, one every 40 s: each spans two or three buckets, its conversation's among them.
    await app.deps.db.execute(sql`
      insert into messages (id, org_id, conversation_id, bot_id, role, content, created_at)
      select gen_random_uuid(), c.org_id, c.id, c.bot_id, case when j % 2 = 1 then 'visitor' else 'bot' end, 'bulk',
        c.created_at + j * interval '40 seconds'
      from conversations c, generate_series(1, 50) j where c.org_id = ${org.id}::uuid`);
    const bulk = sql`m.org_id = ${org.id}::uuid and m.content = 'bulk'`;
    const inserted = await bucketsOfMessages(bulk);
    expect(inserted).toBeGreaterThan(60);
    expect(inserted).toBeLessThan(300);
    expect(await marksOf(org.id)).toEqual({ rows: inserted, distinct: inserted });
    await drainOrg(app.deps.db, org.id);

    const late = sql`m.org_id = ${org.id}::uuid and m.created_at >= ${START}::timestamptz + interval '5 hours'`;
    const deleted = await bucketsOfMessages(late);
    const deletedRows = await one(sql`select count(*)::int as n from messages m where ${late}`);
    expect(deletedRows).toBeGreaterThan(1000);
    await app.deps.db.execute(
      sql`delete from messages where org_id = ${org.id}::uuid and created_at >= ${START}::timestamptz + interval '5 hours'`,
    );
    expect(await marksOf(org.id)).toEqual({ rows: deleted, distinct: deleted });
    await drainOrg(app.deps.db, org.id);
  });

  it("a conversation update marks only when a column a metric reads changes, before and after", async () => {
    await app.deps.db.execute(sql`update conversations set message_count = message_count + 2,
      last_message_at = now(), updated_at = now() where org_id = ${org.id}::uuid`);
    expect(await marksOf(org.id)).toEqual({ rows: 0, distinct: 0 });

    const firstHour = sql`org_id = ${org.id}::uuid and created_at < ${START}::timestamptz + interval '1 hour'`;
    const buckets = await one(
      sql`select count(distinct (bot_id, analytics_bucket(created_at)))::int as n from conversations where ${firstHour}`,
    );
    await app.deps.db.execute(sql`update conversations set status = 'resolved', resolved_at = created_at
      + interval '5 minutes' where ${firstHour}`);
    expect(await marksOf(org.id)).toEqual({ rows: buckets, distinct: buckets });
    await drainOrg(app.deps.db, org.id);

    // Moved a day later: the bucket it left and the one it joined.
    await app.deps.db.execute(sql`update conversations set created_at = created_at + interval '1 day'
      where ${firstHour}`);
    expect(await marksOf(org.id)).toEqual({ rows: 2 * buckets, distinct: 2 * buckets });
    await drainOrg(app.deps.db, org.id);
  });

  it("a bulk update after a one-row update in the same session stays linear", async () => {
    // PL/pgSQL keeps the plan its first call made, sized for that call's transition table; a plan made
    // for one row must not loop over both tables of an 8,000-row update (minutes, not milliseconds).
    const elapsed = await app.deps.db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into conversations (id, org_id, bot_id, status, created_at)
        select gen_random_uuid(), ${org.id}::uuid, ${botIds[1]}::uuid, 'open', ${START}::timestamptz - i * interval '1 minute'
        from generate_series(1, 8000) i`);
      await tx.execute(sql`update conversations set status = 'escalated'
        where id = (select id from conversations where org_id = ${org.id}::uuid and status = 'open' limit 1)`);
      const began = performance.now();
      await tx.execute(sql`update conversations set status = 'resolved'
        where org_id = ${org.id}::uuid and status = 'open'`);
      return performance.now() - began;
    });
    expect(elapsed).toBeLessThan(8000);
    expect((await marksOf(org.id)).rows).toBeGreaterThan(500);
    await app.deps.db.execute(
      sql`delete from conversations where org_id = ${org.id}::uuid and created_at < ${START}::timestamptz`,
    );
    await drainOrg(app.deps.db, org.id);
  });

  it("a returning visitor marks the buckets of their earlier resolutions", async () => {
    const bot = botIds[0] as string;
    await app.deps.db.execute(sql`
      insert into conversations (id, org_id, bot_id, status, end_user_id, created_at, resolved_at)
      select gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, 'resolved', 'visitor-' || i,
        ${START}::timestamptz - i * interval '1 hour', ${START}::timestamptz - i * interval '1 hour' + interval '10 minutes'
      from generate_series(1, 3) i`);
    await drainOrg(app.deps.db, org.id);
    // Visitors 1 and 2 come back two days later (3 does not), in one statement with an anonymous one.
    await app.deps.db.execute(sql`
      insert into conversations (id, org_id, bot_id, status, end_user_id, created_at)
      values (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, 'open', 'visitor-1', ${START}::timestamptz + interval '2 days'),
        (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, 'open', 'visitor-2', ${START}::timestamptz + interval '2 days'),
        (gen_random_uuid(), ${org.id}::uuid, ${bot}::uuid, 'open', null, ${START}::timestamptz + interval '9 days')`);
    const marked = rowsOf<{ bucket: string }>(
      await app.deps.db.execute(sql`select distinct to_char(bucket at time zone 'UTC', 'MM-DD HH24:MI') as bucket
        from analytics_dirty where org_id = ${org.id}::uuid order by 1`),
    ).map((row) => row.bucket);
    expect(marked).toEqual(["05-03 22:00", "05-03 23:00", "05-06 00:00", "05-13 00:00"]);
    await drainOrg(app.deps.db, org.id);
  });

  it("deleting an org writes one mark per bucket, and the drain clears them with no rollups left", async () => {
    const doomed = await app.seedOrg("Doomed");
    const owner = app.caller(doomed.owner.accessToken);
    const { bot } = await owner.bots.create({ orgId: doomed.id, name: "Gone" });
    await seedActivity(app.deps.db, {
      orgId: doomed.id,
      botIds: [bot.id],
      start: START,
      count: 80,
      spacingSeconds: 1800,
      salt: "doomed",
    });
    await drainOrg(app.deps.db, doomed.id);
    expect(
      await one(sql`select count(*)::int as n from analytics_buckets where org_id = ${doomed.id}::uuid`),
    ).toBe(80);
    const sourceTables = [
      "conversations",
      "messages",
      "feedback",
      "leads",
      "escalation_tickets",
      "usage_events",
    ];
    const sourceRows = await one(
      sql`select (${sql.join(
        sourceTables.map(
          (table) => sql`(select count(*) from ${sql.raw(table)} where org_id = ${doomed.id}::uuid)`,
        ),
        sql` + `,
      )})::int as n`,
    );

    await owner.orgs.delete({ orgId: doomed.id, confirmName: doomed.name });
    const marks = await marksOf(doomed.id);
    expect(marks.distinct).toBe(80);
    // Each source table's cascade marks a bucket once, however many of its rows the bucket held.
    expect(marks.rows).toBeLessThanOrEqual(sourceTables.length * 80);
    expect(marks.rows).toBeLessThan(sourceRows);

    await drainAll(app.deps.db);
    expect(await marksOf(doomed.id)).toEqual({ rows: 0, distinct: 0 });
    expect(
      await one(sql`select count(*)::int as n from analytics_buckets where org_id = ${doomed.id}::uuid`),
    ).toBe(0);
    expect((await marksOf(org.id)).rows).toBe(0);
  });
});
