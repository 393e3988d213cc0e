/**
 * Issue #13, migration 0014, on real Postgres: the analytics marks written per statement (0014's
 * transition-table triggers) against per row (0009's triggers: the schema after migration 0013), in the
 * same run. Two databases, one migrated up to 0013 and one up to 0014, hold the same org: three bots,
 * 10,000 conversations over 30 days. Rounds alternate between them (the order swapped each round):
 *
 * - one statement inserting the org's 100,000 messages, then one statement deleting them all (the
 *   purge of issue #13): wall time, the Postgres backend's CPU time (/proc; steal does not inflate it)
 *   and the marks each wrote;
 * - one-row message inserts (autocommit) and widget turns (the visitor and bot message in one insert,
 *   then the conversation's counter update, in a transaction), one connection each: throughput and
 *   backend CPU per operation. Target: per-statement marks cost at most 5 % on these.
 */

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type postgresType from "postgres";
import { cpuMs, median, round } from "./load";

const CONVERSATIONS = 10_000;
const MESSAGES_PER_CONVERSATION = 10;
const ROUNDS = 5;
const OPERATIONS = 1_000;

type Sql = postgresType.Sql;
type Variant = "row" | "statement";

/** Applies the committed migrations up to `lastTag` as plain SQL, each in a transaction. */
async function migrateUpTo(sql: Sql, folder: string, lastTag: string): Promise<void> {
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag}`);
  for (const { tag } of journal.entries.slice(0, last + 1)) {
    const statements = readFileSync(join(folder, `${tag}.sql`), "utf8").split("--> statement-breakpoint");
    await sql.begin(async (tx) => {
      for (const statement of statements) await tx.unsafe(statement);
    });
  }
}

/** Server CPU (ms) and wall time (ms) of `run` on the connection whose backend is `pid`. */
async function timed(pid: number, run: () => Promise<unknown>) {
  const cpu = cpuMs(pid);
  const began = performance.now();
  await run();
  return { wallMs: performance.now() - began, cpuMs: cpuMs(pid) - cpu };
}

interface Side {
  sql: Sql;
  pid: number;
  orgId: string;
  targets: { id: string; bot_id: string }[];
}

async function seed(sql: Sql): Promise<Side> {
  const orgId = crypto.randomUUID();
  const botIds = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  await sql`insert into organizations (id, name, slug) values (${orgId}, 'Bench', ${`bench-${orgId}`})`;
  for (const [index, botId] of botIds.entries())
    await sql`insert into bots (id, org_id, name, config, identity_secret)
      values (${botId}, ${orgId}, ${`Bot ${index}`}, '{}', ${randomBytes(16).toString("hex")})`;
  await sql`
    insert into conversations (id, org_id, bot_id, status, created_at)
    select gen_random_uuid(), ${orgId}, (${botIds}::uuid[])[1 + i % 3], 'open',
      now() - interval '30 days' + i * interval '30 days' / ${CONVERSATIONS}::int
    from generate_series(1, ${CONVERSATIONS}::int) i`;
  const targets = await sql<{ id: string; bot_id: string }[]>`select id::text, bot_id::text from conversations
    order by created_at desc limit 200`;
  await sql`delete from analytics_dirty`;
  await sql`vacuum analyze`;
  const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return { sql, pid: backend?.pid ?? 0, orgId, targets: [...targets] };
}

const marks = async (sql: Sql) =>
  Number((await sql<{ n: string }[]>`select count(*) as n from analytics_dirty`)[0]?.n);

/** The org's 100,000 messages inserted in one statement, then deleted in one. */
async function bulkRound({ sql, pid, orgId }: Side) {
  const insert = await timed(
    pid,
    () => sql`insert into messages (id, org_id, conversation_id, bot_id, role, content, created_at)
      select gen_random_uuid(), c.org_id, c.id, c.bot_id, case when j % 2 = 1 then 'visitor' else 'bot' end, 'bench',
        c.created_at + j * interval '9 seconds'
      from conversations c, generate_series(1, ${MESSAGES_PER_CONVERSATION}::int) j where c.org_id = ${orgId}`,
  );
  const insertMarks = await marks(sql);
  await sql`delete from analytics_dirty`;
  await sql`vacuum analyze messages, analytics_dirty`;
  const remove = await timed(pid, () => sql`delete from messages where org_id = ${orgId}`);
  const deleteMarks = await marks(sql);
  await sql`delete from analytics_dirty`;
  await sql`vacuum analyze messages, analytics_dirty`;
  return { insert, insertMarks, remove, deleteMarks };
}

/** OPERATIONS one-row inserts, then OPERATIONS widget turns: operations per second and CPU ms per operation. */
async function smallRound({ sql, pid, orgId, targets }: Side) {
  const target = (n: number) => targets[n % targets.length] as { id: string; bot_id: string };
  const rate = (run: { wallMs: number; cpuMs: number }) => ({
    perSecond: OPERATIONS / (run.wallMs / 1000),
    cpuMs: run.cpuMs / OPERATIONS,
  });
  const oneRow = await timed(pid, async () => {
    for (let n = 0; n < OPERATIONS; n++) {
      const { id, bot_id } = target(n);
      await sql`insert into messages (id, org_id, conversation_id, bot_id, role, content)
        values (gen_random_uuid(), ${orgId}, ${id}, ${bot_id}, 'visitor', 'hi')`;
    }
  });
  const turn = await timed(pid, async () => {
    for (let n = 0; n < OPERATIONS; n++) {
      const { id, bot_id } = target(n);
      await sql.begin(async (tx) => {
        await tx`insert into messages (id, org_id, conversation_id, bot_id, role, content) values
          (gen_random_uuid(), ${orgId}, ${id}, ${bot_id}, 'visitor', 'hi'),
          (gen_random_uuid(), ${orgId}, ${id}, ${bot_id}, 'bot', 'hello')`;
        await tx`update conversations set message_count = message_count + 2, last_message_at = now(),
          updated_at = now() where id = ${id}`;
      });
    }
  });
  await sql`delete from analytics_dirty`;
  return { oneRow: rate(oneRow), turn: rate(turn) };
}

const measure = async (side: Side) => ({ bulk: await bulkRound(side), small: await smallRound(side) });
type Measured = Awaited<ReturnType<typeof measure>>;

export async function analyticsMarksBench(_repoRoot: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!env.DATABASE_URL) return { skipped: "set DATABASE_URL: this benchmark compares triggers on Postgres" };
  const { migrate, migrationsFolder, openDatabase } = await import("@kyro/db");
  const postgres = (await import("postgres")).default;
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  const suffix = randomBytes(4).toString("hex");
  const names: Record<Variant, string> = {
    row: `kyro_bench_marks_row_${suffix}`,
    statement: `kyro_bench_marks_stmt_${suffix}`,
  };
  const sides: Partial<Record<Variant, Side>> = {};
  try {
    for (const variant of ["row", "statement"] as const) {
      await admin.unsafe(`create database "${names[variant]}"`);
      const url = new URL(env.DATABASE_URL);
      url.pathname = `/${names[variant]}`;
      const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
      if (variant === "row") await migrateUpTo(sql, migrationsFolder, "0013_audit_chain");
      else {
        const database = await openDatabase({ kind: "postgres", url: url.toString() });
        await migrate(database);
        await database.close();
      }
      sides[variant] = await seed(sql);
    }
    const row = sides.row as Side;
    const statement = sides.statement as Side;
    await smallRound(row);
    await smallRound(statement);
    const rounds: Record<Variant, Measured>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        const first = await measure(row);
        rounds.push({ row: first, statement: await measure(statement) });
      } else {
        const first = await measure(statement);
        rounds.push({ row: await measure(row), statement: first });
      }
    }
    const figures = (pick: (m: Measured) => number) => ({
      row: round(median(rounds.map((r) => pick(r.row))), 3),
      statement: round(median(rounds.map((r) => pick(r.statement))), 3),
      ratio: round(median(rounds.map((r) => pick(r.statement) / pick(r.row))), 3),
    });
    return {
      database: "postgres",
      data: {
        conversations: CONVERSATIONS,
        messages: CONVERSATIONS * MESSAGES_PER_CONVERSATION,
        rounds: ROUNDS,
      },
      deleteAll: {
        wallMs: figures((m) => m.bulk.remove.wallMs),
        backendCpuMs: figures((m) => m.bulk.remove.cpuMs),
        marks: figures((m) => m.bulk.deleteMarks),
      },
      insertAll: {
        wallMs: figures((m) => m.bulk.insert.wallMs),
        backendCpuMs: figures((m) => m.bulk.insert.cpuMs),
        marks: figures((m) => m.bulk.insertMarks),
      },
      oneRowInsert: {
        perSecond: figures((m) => m.small.oneRow.perSecond),
        backendCpuMs: figures((m) => m.small.oneRow.cpuMs),
      },
      widgetTurn: {
        perSecond: figures((m) => m.small.turn.perSecond),
        backendCpuMs: figures((m) => m.small.turn.cpuMs),
      },
      targetCostPercent: 5,
    };
  } finally {
    for (const side of Object.values(sides)) await side?.sql.end();
    for (const name of Object.values(names))
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
