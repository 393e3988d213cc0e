/**
 * Issue #20 target, on real Postgres: while the retention purge deletes 1,000,000 expired messages,
 * the API keeps serving — key-authenticated `GET /api/v1/me` p99 ≤ 50 ms meanwhile. The API runs in
 * its own process (bench/api-target.ts, as in production) and the purge in this one (as the worker
 * would), on the same database. Baseline, same run: the same steady load just before the purge.
 * The load is a fixed rate, not a saturating one, so the p99 shows waiting on the database rather
 * than queueing behind the load generator.
 */
import autocannon from "autocannon";
import { round, startTarget } from "./load";

const MESSAGES = 1_000_000;
const CONVERSATIONS = 10_000;
const ROUND_SECONDS = 5;
const BASELINE_ROUNDS = 3;
const REQUESTS_PER_SECOND = 200;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

interface Target {
  kyroUrl: string;
  apiKey: string;
}

async function meRound(url: string, apiKey: string): Promise<{ p99Ms: number; p50Ms: number }> {
  const result = await autocannon({
    url: `${url}/api/v1/me`,
    connections: 8,
    overallRate: REQUESTS_PER_SECOND,
    duration: ROUND_SECONDS,
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`/api/v1/me: ${result.non2xx} non-2xx and ${result.errors} errors`);
  }
  return { p99Ms: result.latency.p99, p50Ms: result.latency.p50 };
}

export async function purgeBench(repoRoot: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!env.DATABASE_URL) return { skipped: "set DATABASE_URL: this benchmark purges on real Postgres" };
  const { buildDeps } = await import("../packages/api/src/wiring");
  const { purgeExpired } = await import("../packages/api/src/domains/retention/index");
  const { bots, openDatabase, organizations } = await import("@kyro/db");
  const { createLogger, createMailer } = await import("@kyro/platform");
  const postgres = (await import("postgres")).default;

  const { child, report: target } = await startTarget<Target>(repoRoot, ["bench/api-target.ts"], env);
  const database = await openDatabase({ kind: "postgres", url: env.DATABASE_URL });
  const fixture = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  const logger = createLogger({ level: "warn" });
  let orgId: string | undefined;
  try {
    const [org] = await database.db
      .insert(organizations)
      .values({ name: "Purge bench", slug: `purge-bench-${Date.now()}` })
      .returning({ id: organizations.id });
    orgId = org?.id as string;
    const [bot] = await database.db
      .insert(bots)
      .values({ orgId, name: "Bench", config: {}, identitySecret: "x".repeat(32) })
      .returning({ id: bots.id });
    const botId = bot?.id as string;
    const seeded = Date.now();
    // Everything 400 days old: past the default year of messages, so the whole fixture is expired.
    await fixture.unsafe(`insert into conversations (id, org_id, bot_id, end_user_id, origin, created_at)
      select gen_random_uuid(), '${orgId}', '${botId}', 'visitor-' || i, 'https://shop.example.test', now() - interval '400 days'
      from generate_series(1, ${CONVERSATIONS}) as i`);
    await fixture.unsafe(`insert into messages (id, org_id, bot_id, conversation_id, role, content, created_at)
      select gen_random_uuid(), '${orgId}', '${botId}', c.ids[1 + i % ${CONVERSATIONS}],
             case when i % 2 = 0 then 'visitor' else 'bot' end,
             'Message ' || i || ': where is my order? It shipped on Tuesday, thanks',
             now() - interval '400 days' + i * interval '1 millisecond'
      from generate_series(1, ${MESSAGES}) as i,
           (select array_agg(id) as ids from conversations where org_id = '${orgId}') as c`);
    await fixture.unsafe("analyze messages; analyze conversations; analyze analytics_dirty");
    const seedSeconds = round((Date.now() - seeded) / 1000, 1);

    await meRound(target.kyroUrl, target.apiKey);
    const baseline = [];
    for (let i = 0; i < BASELINE_ROUNDS; i++) baseline.push(await meRound(target.kyroUrl, target.apiKey));

    const deps = buildDeps({
      db: database.db,
      logger,
      mailer: createMailer({ from: "bench@kyro.test", logger, mailDir: "/tmp/kyro-bench-purge-mail" }),
      secret: "bench-secret-bench-secret-bench-secret-0123",
    });
    const began = process.hrtime.bigint();
    let purgeSeconds: number | undefined;
    const purge = purgeExpired(deps, { orgIds: [orgId] }).then((receipts) => {
      purgeSeconds = Number(process.hrtime.bigint() - began) / 1e9;
      return receipts;
    });
    const during = [];
    while (purgeSeconds === undefined) during.push(await meRound(target.kyroUrl, target.apiKey));
    const receipts = await purge;
    await deps.dispose();
    const deletedMessages = receipts
      .filter((receipt) => receipt.table === "messages")
      .reduce((sum, receipt) => sum + receipt.deleted, 0);
    if (deletedMessages !== MESSAGES) throw new Error(`purged ${deletedMessages} of ${MESSAGES} messages`);

    const baselineP99 = median(baseline.map((run) => run.p99Ms));
    const duringP99 = median(during.map((run) => run.p99Ms));
    return {
      database: "postgres",
      messages: MESSAGES,
      seedSeconds,
      load: { requestsPerSecond: REQUESTS_PER_SECOND, roundSeconds: ROUND_SECONDS },
      purge: {
        seconds: round(purgeSeconds, 1),
        messagesPerSecond: Math.round(MESSAGES / purgeSeconds),
        receipts: receipts.length,
      },
      meBaseline: { p50Ms: median(baseline.map((run) => run.p50Ms)), p99Ms: baselineP99 },
      meDuringPurge: {
        p50Ms: median(during.map((run) => run.p50Ms)),
        p99Ms: duringP99,
        worstRoundP99Ms: Math.max(...during.map((run) => run.p99Ms)),
        rounds: during.length,
      },
      p99Ratio: round(duringP99 / baselineP99),
      target: { p99Ms: 50 },
      meetsTarget: duringP99 <= 50,
    };
  } finally {
    if (orgId) await fixture.unsafe(`delete from organizations where id = '${orgId}'`);
    await fixture.end();
    await database.close();
    child.kill("SIGTERM");
  }
}
