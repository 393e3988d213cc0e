/**
 * Issue #5 targets, on real Postgres: (1) webhook deliveries per second from one worker process to a
 * local sink (≥ 500/s on the 2-core machines); (2) p50/p99 from the commit of an event to its first
 * delivery attempt at a steady 100 events/s (p99 ≤ 1 s). The sink is a separate process
 * (`bench/webhooks.ts sink`) that answers 204 and prints `webhook-id receivedAtMs` per request.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function runSink(): Promise<void> {
  const out: string[] = [];
  const server = createServer((request, response) => {
    const id = String(request.headers["webhook-id"] ?? "");
    request.resume();
    request.on("end", () => {
      out.push(`${id} ${Date.now()}`);
      response.writeHead(204).end();
    });
  });
  setInterval(() => {
    if (out.length) process.stdout.write(`${out.splice(0).join("\n")}\n`);
  }, 20).unref();
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
  });
}

interface Sink {
  url: string;
  received: Map<string, number>;
  child: ChildProcess;
}

function startSink(repoRoot: string): Promise<Sink> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "sink"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const received = new Map<string, number>();
  return new Promise((resolve) => {
    createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).on("line", (line) => {
      const [first, second] = line.split(" ");
      if (first === "port") resolve({ url: `http://127.0.0.1:${second}/hook`, received, child });
      else if (first && !received.has(first)) received.set(first, Number(second));
    });
  });
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("benchmark timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function webhooksBench(repoRoot: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!env.DATABASE_URL)
    return { skipped: "set DATABASE_URL: this benchmark measures deliveries on real Postgres" };
  const { buildDeps, emitEvent, startJobs } = await import("@kyro/api");
  const { migrate, openDatabase, organizations } = await import("@kyro/db");
  const { createLogger } = await import("@kyro/platform");
  const postgres = (await import("postgres")).default;
  const { createEndpoint } = await import("../packages/api/src/domains/webhooks/endpoints/service");

  const name = `kyro_bench_webhooks_${randomBytes(4).toString("hex")}`;
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString() });
  const sink = await startSink(repoRoot);
  try {
    await migrate(database);
    const deps = buildDeps({
      db: database.db,
      logger: createLogger({ level: "warn" }),
      mailer: { send: async () => {}, close: () => {} },
      secret: randomBytes(32).toString("hex"),
      settings: { outboundAllowCidrs: ["127.0.0.0/8"] },
    });
    const [org] = await database.db
      .insert(organizations)
      .values({ name: "Bench", slug: `bench-${Date.now()}` })
      .returning({ id: organizations.id });
    if (!org) throw new Error("no org");
    const audit = {
      actor: { type: "system" as const, id: null, label: "bench" },
      request: { requestId: "bench", ip: "", userAgent: null, origin: null },
    };
    await createEndpoint(
      { deps, audit, org: { orgId: org.id, role: null } },
      {
        url: sink.url,
        description: "",
        eventTypes: null,
        enabled: true,
        headers: {},
        rateLimitPerSecond: null,
      },
    );
    const emit = (tx: Parameters<typeof emitEvent>[0], index: number) =>
      emitEvent(tx, {
        orgId: org.id,
        type: "api_key.revoked",
        data: { keyId: org.id, name: `key-${index}` },
      });

    // (1) Throughput: a backlog written first, then drained by one worker.
    const installer = await startJobs(deps, { sql: database, work: false });
    const backlog = 5_000;
    for (let start = 0; start < backlog; start += 250) {
      await database.db.transaction(async (tx) => {
        for (let index = start; index < start + 250; index++) await emit(tx, index);
      });
    }
    await installer.stop();
    const drainStarted = Date.now();
    const worker = await startJobs(deps, { sql: database, work: true });
    await waitFor(() => sink.received.size >= backlog, 300_000);
    const drainSeconds = (Math.max(...sink.received.values()) - drainStarted) / 1000;
    const deliveriesPerSecond = round(backlog / drainSeconds);

    // (2) Latency: 100 events/s for 15 s, each in its own transaction.
    const committed = new Map<string, number>();
    const rate = 100;
    const seconds = 15;
    const began = Date.now();
    for (let index = 0; index < rate * seconds; index++) {
      const due = began + (index * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = await database.db.transaction((tx) => emit(tx, index));
      committed.set(id, Date.now());
    }
    await waitFor(() => [...committed.keys()].every((id) => sink.received.has(id)), 60_000);
    const latencies = [...committed]
      .map(([id, at]) => (sink.received.get(id) ?? Number.NaN) - at)
      .sort((a, b) => a - b);
    await worker.stop(5_000);
    await deps.dispose();
    return {
      database: "postgres",
      throughput: { backlog, seconds: round(drainSeconds, 2), deliveriesPerSecond, target: 500 },
      firstAttemptLatency: {
        eventsPerSecond: rate,
        events: latencies.length,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        maxMs: latencies.at(-1),
        targetP99Ms: 1_000,
      },
    };
  } finally {
    sink.child.kill();
    await database.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

if (process.argv[2] === "sink") await runSink();
