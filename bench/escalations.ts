/**
 * Issue #12 target, on real Postgres: p50/p99 from the commit of an escalation (ticket opened,
 * conversation handed to people, mail job enqueued in the same transaction) to its mail being accepted
 * by a loopback SMTP server, at a steady 50 escalations/s (p99 ≤ 2 s). Baseline, same run: the same
 * mail sent straight through the mailer at the same rate (what SMTP itself costs).
 */
import { randomBytes } from "node:crypto";

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

const RATE = 50;
const SECONDS = 10;

/** Sends `count` items at `RATE` per second; `send(index)` returns the key the arrival is matched by. */
async function paced(count: number, send: (index: number) => Promise<string>, sent: Map<string, number>) {
  const began = Date.now();
  const pending: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    const wait = began + (index * 1000) / RATE - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = Date.now();
    pending.push(send(index).then((key) => void sent.set(key, at)));
  }
  await Promise.all(pending);
}

export async function escalationsBench(_repoRoot: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!env.DATABASE_URL)
    return { skipped: "set DATABASE_URL: this benchmark measures escalation mails on real Postgres" };
  // From the sources, all three: `escalate` emits through the fan-out `buildDeps` registers in its module.
  const { buildDeps } = await import("../packages/api/src/wiring");
  const { startJobs } = await import("../packages/api/src/jobs");
  const { bots, conversations, escalationTicketEvents, migrate, openDatabase, organizations } = await import(
    "@kyro/db"
  );
  const { createLogger, createMailer } = await import("@kyro/platform");
  const { mailHeader, startSmtpCapture } = await import("@kyro/platform/testing");
  const postgres = (await import("postgres")).default;
  const { escalate } = await import("../packages/api/src/domains/escalations/index");

  const name = `kyro_bench_escalations_${randomBytes(4).toString("hex")}`;
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString() });
  const smtp = await startSmtpCapture();
  const logger = createLogger({ level: "warn" });
  const mailer = createMailer({
    smtpUrl: `smtp://127.0.0.1:${smtp.port}/?pool=true&maxConnections=8`,
    from: "bench@kyro.test",
    logger,
  });
  // Arrival times by subject tag, polled every 2 ms (the capture keeps messages, not times).
  const arrived = new Map<string, number>();
  let seen = 0;
  const poll = setInterval(() => {
    for (; seen < smtp.received.length; seen++) {
      const subject = mailHeader(smtp.received[seen]?.raw ?? "", "Subject") ?? "";
      const tag = /\[(?:Ticket|Direct) ([^\]]+)\]/.exec(subject)?.[1];
      if (tag && !arrived.has(tag)) arrived.set(tag, Date.now());
    }
  }, 2);
  const latencies = (sent: Map<string, number>) =>
    [...sent].map(([key, at]) => (arrived.get(key) ?? Number.NaN) - at).sort((a, b) => a - b);
  const waitAll = async (sent: Map<string, number>) => {
    const deadline = Date.now() + 60_000;
    while (![...sent.keys()].every((key) => arrived.has(key))) {
      if (Date.now() > deadline) throw new Error("benchmark timed out");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  try {
    await migrate(database);
    const deps = buildDeps({ db: database.db, logger, mailer, secret: randomBytes(32).toString("hex") });
    const [org] = await database.db
      .insert(organizations)
      .values({ name: "Bench", slug: `bench-${Date.now()}`, escalationEmail: "queue@bench.test" })
      .returning({ id: organizations.id });
    if (!org) throw new Error("no org");
    const [bot] = await database.db
      .insert(bots)
      .values({ orgId: org.id, name: "Bench", config: {}, identitySecret: randomBytes(16).toString("hex") })
      .returning({ id: bots.id });
    if (!bot) throw new Error("no bot");
    const count = RATE * SECONDS;
    const rows = await database.db
      .insert(conversations)
      .values(Array.from({ length: count }, () => ({ orgId: org.id, botId: bot.id })))
      .returning({ id: conversations.id });
    const audit = {
      actor: { type: "system" as const, id: null, label: "bench" },
      request: { requestId: "bench", ip: "", userAgent: null, origin: null },
    };

    // Baseline: the mail alone, straight to the SMTP server at the same rate.
    const direct = new Map<string, number>();
    await paced(
      count,
      async (index) => {
        const tag = `d${index}`;
        await mailer.send({ to: "queue@bench.test", subject: `[Direct ${tag}] bench`, text: "baseline" });
        return tag;
      },
      direct,
    );
    await waitAll(direct);

    const worker = await startJobs(deps, { sql: database, work: true });
    const escalated = new Map<string, number>();
    await paced(
      count,
      async (index) => {
        const { ticket } = await escalate(database.db, audit, {
          orgId: org.id,
          botId: bot.id,
          conversationId: rows[index]?.id as string,
          reason: "action",
          channel: "api",
          subject: `Bench ${index}`,
        });
        return ticket.id.slice(-8);
      },
      escalated,
    );
    await waitAll(escalated);
    const attempts = await database.db
      .select({
        attempts: escalationTicketEvents.dispatchAttempts,
        error: escalationTicketEvents.dispatchError,
      })
      .from(escalationTicketEvents);
    const retried = attempts.filter((row) => row.attempts > 1);
    await worker.stop(5_000);
    await deps.dispose();
    const kyro = latencies(escalated);
    const base = latencies(direct);
    const p99 = quantile(kyro, 0.99);
    const baseP99 = quantile(base, 0.99);
    return {
      database: "postgres",
      escalationsPerSecond: RATE,
      escalations: kyro.length,
      commitToSmtp: { p50Ms: quantile(kyro, 0.5), p99Ms: p99, maxMs: kyro.at(-1), targetP99Ms: 2_000 },
      baselineDirectSmtp: { p50Ms: quantile(base, 0.5), p99Ms: baseP99, maxMs: base.at(-1) },
      p99Ratio: round(p99 / Math.max(1, baseP99), 1),
      mailsRetried: retried.length,
      firstRetryError: retried[0]?.error ?? null,
    };
  } finally {
    clearInterval(poll);
    mailer.close();
    await smtp.close();
    await database.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
