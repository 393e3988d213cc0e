/**
 * Issue #13 analytics targets, on real Postgres, in process: one org with 1,000,000 messages in 100,000
 * conversations over 90 days (generate_series, marks off, then `analytics:rebuild`);
 * `analytics.overview` for 90 days at concurrency 10 (p95 ≤ 150 ms) and one bot (p95 ≤ 100 ms); and the
 * rollup upkeep's cost on a widget turn's writes (visitor and bot message, conversation update) as a
 * same-run A/B with the marking triggers on and off, alternating rounds (target ≤ 5 %).
 */
import { randomBytes } from "node:crypto";
import { concurrently, percentile } from "./latency";
import { round } from "./load";

const CONVERSATIONS = 100_000;
const MESSAGES_PER_CONVERSATION = 10;
const TRIGGERS = [
  "messages_analytics_insert",
  "conversations_analytics_insert",
  "conversations_analytics_update",
  "conversations_analytics_visitor",
];

export async function analyticsBench(_repoRoot: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!env.DATABASE_URL) return { skipped: "set DATABASE_URL: this benchmark runs on real Postgres" };
  const { migrate, openDatabase, sql } = await import("@kyro/db");
  const { rebuild } = await import("../packages/api/src/domains/analytics/rollup");
  const { botReport, overview } = await import("../packages/api/src/domains/analytics/service");
  const postgres = (await import("postgres")).default;

  const name = `kyro_bench_analytics_${randomBytes(4).toString("hex")}`;
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString() });
  const db = database.db;
  const triggers = (on: boolean) =>
    Promise.all(
      TRIGGERS.map((trigger) =>
        db.execute(
          sql.raw(
            `alter table ${trigger.startsWith("messages") ? "messages" : "conversations"} ${on ? "enable" : "disable"} trigger ${trigger}`,
          ),
        ),
      ),
    );
  try {
    await migrate(database);
    const orgId = crypto.randomUUID();
    const botIds = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await db.execute(sql`insert into organizations (id, name, slug, time_zone) values
      (${orgId}::uuid, 'Bench', ${`bench-${Date.now()}`}, 'America/New_York')`);
    for (const [index, botId] of botIds.entries()) {
      await db.execute(sql`insert into bots (id, org_id, name, config, identity_secret)
        values (${botId}::uuid, ${orgId}::uuid, ${`Bot ${index}`}, '{}', ${randomBytes(16).toString("hex")})`);
    }
    const seedStarted = performance.now();
    await triggers(false);
    await db.execute(sql`
      insert into conversations (id, org_id, bot_id, status, end_user_id, created_at, resolved_at, escalated_at, message_count)
      select gen_random_uuid(), ${orgId}::uuid, (${sql.raw(`array['${botIds.join("'::uuid,'")}'::uuid]`)})[1 + i % 3],
        case when i % 3 = 0 then 'resolved' when i % 10 = 0 then 'escalated' else 'open' end,
        case when i % 4 = 0 then 'v-' || (i % 5000) end, at,
        case when i % 3 = 0 then at + interval '10 minutes' end, case when i % 10 = 0 then at + interval '5 minutes' end,
        ${MESSAGES_PER_CONVERSATION}
      from generate_series(1, ${CONVERSATIONS}::int) i,
        lateral (select now() - interval '90 days' + (i * interval '90 days') / ${CONVERSATIONS}::int as at) t`);
    await db.execute(sql`
      insert into messages (id, org_id, conversation_id, bot_id, role, content, created_at)
      select gen_random_uuid(), c.org_id, c.id, c.bot_id, case when j % 2 = 1 then 'visitor' else 'bot' end, 'bench',
        c.created_at + j * interval '9 seconds'
      from conversations c, generate_series(1, ${MESSAGES_PER_CONVERSATION}::int) j`);
    await triggers(true);
    await db.execute(sql`analyze`);
    const seedSeconds = round((performance.now() - seedStarted) / 1000);
    const rebuildStarted = performance.now();
    await rebuild(db, orgId);
    const rebuildSeconds = round((performance.now() - rebuildStarted) / 1000);

    const ctx = {
      deps: { db },
      org: { orgId, role: "owner" as const },
      principal: { kind: "user", userId: orgId } as never,
    };
    const latencies = async (task: () => Promise<unknown>) => {
      await concurrently(10, 20, async () => void (await task()));
      const measured = await concurrently(10, 200, async () => void (await task()));
      return { p50Ms: percentile(measured, 50), p95Ms: percentile(measured, 95) };
    };
    const org90 = await latencies(() => overview(ctx, { range: "90d" }));
    const bot90 = await latencies(() => botReport(ctx, { botId: botIds[0] as string, range: "90d" }));
    const check = await overview(ctx, { range: "90d" });

    // A/B: a widget turn's writes, marks on and off in alternating rounds, 10 concurrent loops.
    const live = await db.execute(sql`select id::text as id, bot_id::text as bot_id from conversations
      order by created_at desc limit 200`);
    const targets = (Array.isArray(live) ? live : (live as { rows: unknown[] }).rows) as {
      id: string;
      bot_id: string;
    }[];
    const turn = (n: number) => {
      const target = targets[n % targets.length] as { id: string; bot_id: string };
      return db.transaction(async (tx) => {
        await tx.execute(sql`insert into messages (id, org_id, conversation_id, bot_id, role, content) values
          (gen_random_uuid(), ${orgId}::uuid, ${target.id}::uuid, ${target.bot_id}::uuid, 'visitor', 'hi'),
          (gen_random_uuid(), ${orgId}::uuid, ${target.id}::uuid, ${target.bot_id}::uuid, 'bot', 'hello')`);
        await tx.execute(sql`update conversations set message_count = message_count + 2, last_message_at = now(),
          updated_at = now() where id = ${target.id}::uuid`);
      });
    };
    const rate = async (on: boolean) => {
      await triggers(on);
      const started = performance.now();
      await concurrently(10, 400, turn);
      return 400 / ((performance.now() - started) / 1000);
    };
    await rate(true);
    await rate(false);
    const ratios: number[] = [];
    const with_: number[] = [];
    const without: number[] = [];
    for (let r = 0; r < 5; r++) {
      const on = await rate(true);
      const off = await rate(false);
      with_.push(on);
      without.push(off);
      ratios.push(on / off);
    }
    await triggers(true);
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    return {
      database: "postgres",
      data: { conversations: CONVERSATIONS, messages: CONVERSATIONS * MESSAGES_PER_CONVERSATION, days: 90 },
      seedSeconds,
      rebuildSeconds,
      overview90d: { ...org90, targetP95Ms: 150, conversationsCounted: check.totals.conversations },
      bot90d: { ...bot90, targetP95Ms: 100 },
      upkeep: {
        turnsPerSecondWithMarks: round(median(with_)),
        turnsPerSecondWithout: round(median(without)),
        throughputRatio: round(median(ratios), 3),
        costPercent: round((1 - median(ratios)) * 100),
        targetCostPercent: 5,
      },
    };
  } finally {
    await database.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
