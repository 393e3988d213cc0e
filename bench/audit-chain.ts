/**
 * Issue #20 targets, on real Postgres. (1) Cost per audited mutation: a transaction that updates an
 * org and writes its audit event through the chained writer, against the same transaction inserting
 * the same event unchained (what the writer did before the chain), alternating rounds; the added time
 * must stay ≤ 0.2 ms. (2) `audit.verify` over a 1,000,000-event chain (loaded with COPY), ≤ 10 s; its
 * same-run baseline is a plain scan of the same rows (what reading them costs without hashing).
 */
import { randomBytes } from "node:crypto";

const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const ROUNDS = 7;
const PER_ROUND = 300;
const CHAIN_EVENTS = 1_000_000;

export async function auditChainBench(_repoRoot: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!env.DATABASE_URL)
    return { skipped: "set DATABASE_URL: this benchmark measures the audit chain on Postgres" };
  const { auditEvents, eq, migrate, openDatabase, organizations, sql } = await import("@kyro/db");
  const { appendAuditEvents } = await import("../packages/api/src/core/audit-log");
  const { eventHash, GENESIS_HASH } = await import("../packages/api/src/core/audit-chain");
  const { verifyAuditChain } = await import("../packages/api/src/domains/audit/verify");
  const postgres = (await import("postgres")).default;

  const name = `kyro_bench_audit_${randomBytes(4).toString("hex")}`;
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString() });
  const raw = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await migrate(database);
    const [org, big] = await database.db
      .insert(organizations)
      .values([
        { name: "Bench", slug: `bench-${randomBytes(4).toString("hex")}` },
        { name: "Big", slug: `big-${randomBytes(4).toString("hex")}` },
      ])
      .returning({ id: organizations.id });
    if (!org || !big) throw new Error("org insert failed");
    const row = (index: number) => ({
      orgId: org.id,
      actorType: "user" as const,
      actorId: null,
      actorLabel: "bench@kyro.test",
      action: "org.updated",
      resourceType: "organization",
      resourceId: org.id,
      requestId: `bench-${index}`,
      ip: "127.0.0.1",
      userAgent: "bench",
      diff: { before: { name: "Bench" }, after: { name: `Bench ${index}` } },
    });
    const mutation = (chained: boolean) => async (index: number) =>
      database.db.transaction(async (tx) => {
        await tx
          .update(organizations)
          .set({ name: `Bench ${index}` })
          .where(eq(organizations.id, org.id));
        if (chained) await appendAuditEvents(tx, [row(index)]);
        else await tx.insert(auditEvents).values(row(index));
      });
    const timeRound = async (run: (index: number) => Promise<void>) => {
      const began = performance.now();
      for (let index = 0; index < PER_ROUND; index++) await run(index);
      return (performance.now() - began) / PER_ROUND;
    };
    await timeRound(mutation(true));
    await timeRound(mutation(false));
    const plain: number[] = [];
    const chained: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      plain.push(await timeRound(mutation(false)));
      chained.push(await timeRound(mutation(true)));
    }
    const added = chained.map((ms, r) => ms - (plain[r] ?? 0));

    // A chain of CHAIN_EVENTS for the second org, hashed here and loaded with COPY (text format).
    const loadBegan = performance.now();
    const copy =
      await raw`copy audit_events (id, org_id, actor_type, actor_label, action, resource_type, resource_id, diff, created_at, chain_seq, prev_hash, hash) from stdin`.writable();
    const { newId } = await import("@kyro/db");
    let prevHash = GENESIS_HASH;
    const start = Date.now() - CHAIN_EVENTS;
    let buffer = "";
    for (let seq = 1; seq <= CHAIN_EVENTS; seq++) {
      const event = {
        orgId: big.id,
        chainSeq: seq,
        prevHash,
        id: newId(),
        createdAt: new Date(start + seq),
        actorType: "system",
        actorId: null,
        actorLabel: "bench",
        action: "bot.updated",
        resourceType: "bot",
        resourceId: `b${seq % 97}`,
        requestId: null,
        ip: null,
        userAgent: null,
        diff: { before: { name: `n${seq - 1}` }, after: { name: `n${seq}` } },
      };
      const hash = eventHash(event);
      buffer += `${event.id}\t${big.id}\tsystem\tbench\tbot.updated\tbot\t${event.resourceId}\t${JSON.stringify(event.diff)}\t${event.createdAt.toISOString()}\t${seq}\t${prevHash}\t${hash}\n`;
      prevHash = hash;
      if (buffer.length > 1 << 20 || seq === CHAIN_EVENTS) {
        if (!copy.write(buffer)) await new Promise((resolve) => copy.once("drain", resolve));
        buffer = "";
      }
    }
    await new Promise<void>((resolve, reject) =>
      copy.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    await database.db.execute(
      sql`insert into audit_chain_heads (org_id, seq, hash) values (${big.id}, ${CHAIN_EVENTS}, ${prevHash})`,
    );
    await database.db.execute(sql`analyze audit_events`);
    const loadSeconds = (performance.now() - loadBegan) / 1000;

    const scanBegan = performance.now();
    await raw`select id, diff, hash from audit_events where org_id = ${big.id} order by chain_seq`.cursor(
      5000,
      () => {},
    );
    const scanSeconds = (performance.now() - scanBegan) / 1000;
    const verifyBegan = performance.now();
    const verdict = await verifyAuditChain(database.db, big.id);
    const verifySeconds = (performance.now() - verifyBegan) / 1000;

    return {
      mutation: {
        rounds: ROUNDS,
        perRound: PER_ROUND,
        plainMs: round(median(plain)),
        chainedMs: round(median(chained)),
        addedMs: round(median(added)),
        ratio: round(median(chained.map((ms, r) => ms / (plain[r] ?? ms))), 2),
        targetAddedMs: 0.2,
      },
      verify: {
        events: CHAIN_EVENTS,
        ok: verdict.ok,
        count: verdict.count,
        seconds: round(verifySeconds, 2),
        baselineScanSeconds: round(scanSeconds, 2),
        ratioToScan: round(verifySeconds / scanSeconds, 2),
        loadSeconds: round(loadSeconds, 1),
        targetSeconds: 10,
      },
    };
  } finally {
    await raw.end();
    await database.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
