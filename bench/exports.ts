/**
 * Issue #20 target, on real Postgres: an export job writing 1,000,000 messages (conversations export,
 * CSV, local disk) at ≥ 50,000 rows/s with the exporter's RSS ≤ 256 MB. The fixture is written by
 * generate_series inside Postgres. Baseline, same run: the same keyset pages read and discarded (what
 * the database reads cost), so the ratio shows what formatting and writing add.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;
const MESSAGES = 1_000_000;
const CONVERSATIONS = 10_000;

/** Peak RSS while `run` runs, sampled every 20 ms. */
async function withPeakRss<T>(
  run: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number; seconds: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const began = process.hrtime.bigint();
  try {
    const result = await run();
    return {
      result,
      peakRssMb: round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20),
      seconds: Number(process.hrtime.bigint() - began) / 1e9,
    };
  } finally {
    clearInterval(timer);
  }
}

export async function exportsBench(_repoRoot: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!env.DATABASE_URL) return { skipped: "set DATABASE_URL: this benchmark exports from real Postgres" };
  const { buildDeps } = await import("../packages/api/src/wiring");
  const { runExport } = await import("../packages/api/src/domains/exports/index");
  const { EXPORT_SOURCES } = await import("../packages/api/src/domains/exports/source-kinds");
  const { bots, exportJobs, migrate, openDatabase, organizations, eq } = await import("@kyro/db");
  const { createLogger, createMailer } = await import("@kyro/platform");
  const postgres = (await import("postgres")).default;

  const name = `kyro_bench_exports_${randomBytes(4).toString("hex")}`;
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString() });
  const fixture = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const dir = await mkdtemp(join(tmpdir(), "kyro-bench-exports-"));
  const logger = createLogger({ level: "warn" });
  const mailer = createMailer({ logger, from: "bench@kyro.test", mailDir: join(dir, "mail") });
  try {
    await migrate(database);
    const [org] = await database.db
      .insert(organizations)
      .values({ name: "Bench", slug: `bench-${Date.now()}` })
      .returning({ id: organizations.id });
    const [bot] = await database.db
      .insert(bots)
      .values({ orgId: org?.id as string, name: "Bench", config: {}, identitySecret: "x".repeat(32) })
      .returning({ id: bots.id });
    const orgId = org?.id as string;
    const botId = bot?.id as string;
    const seeded = Date.now();
    // UUIDv7-shaped ids in time order (the app's ids are UUIDv7): a millisecond prefix, then random bits.
    const v7 = (ms: string) =>
      `(lpad(to_hex(${ms}), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid`;
    await fixture.unsafe(`insert into conversations (id, org_id, bot_id, end_user_id, origin)
      select ${v7("(extract(epoch from now()) * 1000)::bigint - 100000000 + i")}, '${orgId}', '${botId}',
             'visitor-' || i, 'https://shop.example.test'
      from generate_series(1, ${CONVERSATIONS}) as i`);
    await fixture.unsafe(`insert into messages (id, org_id, bot_id, conversation_id, role, content, created_at)
      select ${v7("(extract(epoch from now()) * 1000)::bigint - 50000000 + i")}, '${orgId}', '${botId}',
             c.ids[1 + i % ${CONVERSATIONS}],
             case when i % 2 = 0 then 'visitor' else 'bot' end,
             'Message ' || i || ': where is my order? It shipped on Tuesday, "tracking" 1Z999, thanks',
             now() - interval '1 day' + i * interval '1 millisecond'
      from generate_series(1, ${MESSAGES}) as i,
           (select array_agg(id) as ids from conversations where org_id = '${orgId}') as c`);
    await fixture.unsafe("analyze messages; analyze conversations");
    const seedSeconds = round((Date.now() - seeded) / 1000);

    const deps = buildDeps({
      db: database.db,
      logger,
      mailer,
      secret: randomBytes(32).toString("hex"),
      settings: {
        exports: {
          storage: { kind: "local", dir },
          fileTtlHours: 1,
          linkTtlSeconds: 60,
          pageSize: 2_000,
          maxAttempts: 1,
        },
      },
    });
    const source = EXPORT_SOURCES.conversations;
    const ctx = {
      db: database.db,
      orgId,
      botId: null,
      from: null,
      to: null,
      mask: Object.assign((v: string | null) => v, { keeps: true }),
    };

    // Baseline: the same pages read and thrown away.
    const baseline = await withPeakRss(async () => {
      let rows = 0;
      let after: string | null = null;
      for (;;) {
        const page = await source.segments[0]?.page(ctx, after, 2_000);
        if (!page || page.length === 0) return rows;
        rows += page.length;
        after = page[page.length - 1]?.[0] as string;
      }
    });

    const formats = {} as Record<string, unknown>;
    for (const format of ["csv", "ndjson"] as const) {
      const [job] = await database.db
        .insert(exportJobs)
        .values({ orgId, kind: "conversations", format })
        .returning({ id: exportJobs.id });
      const id = job?.id as string;
      const run = await withPeakRss(() => runExport(deps, id));
      const [done] = await database.db
        .select({ status: exportJobs.status, rows: exportJobs.rowsWritten, bytes: exportJobs.bytes })
        .from(exportJobs)
        .where(eq(exportJobs.id, id));
      if (done?.status !== "completed" || done.rows !== MESSAGES)
        throw new Error(`export ${format} incomplete`);
      const rowsPerSecond = Math.round(MESSAGES / run.seconds);
      formats[format] = {
        seconds: round(run.seconds),
        rowsPerSecond,
        peakRssMb: run.peakRssMb,
        fileMb: round((done.bytes ?? 0) / 2 ** 20),
        ratioToBaseline: round(rowsPerSecond / (baseline.result / baseline.seconds), 2),
        meetsTarget: rowsPerSecond >= 50_000 && run.peakRssMb <= 256,
      };
    }
    await deps.dispose();
    return {
      database: "postgres",
      messages: MESSAGES,
      seedSeconds,
      target: { rowsPerSecond: 50_000, peakRssMb: 256 },
      baselineReadOnly: {
        seconds: round(baseline.seconds),
        rowsPerSecond: Math.round(baseline.result / baseline.seconds),
        peakRssMb: baseline.peakRssMb,
      },
      ...formats,
    };
  } finally {
    await fixture.end();
    await database.close();
    await rm(dir, { recursive: true, force: true });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
