/**
 * Issue #4 targets. (1) The limit check's own cost per request with all four dimensions of an org call
 * (API key, org per minute, org per day, bot), at concurrency 1, on Redis (when REDIS_URL is set) and
 * in process: p50 ≤ 0.3 ms, p99 ≤ 1 ms. (2) REST throughput of `GET /api/v1/me` with limits on against
 * limits off, served by one process over one database, measured in alternating rounds: ≥ 0.9×.
 *
 * `bench/limits.ts target` is the process under load; the driver (`limitsBench`) starts it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareAlternating, loadGet, round, startTarget } from "./load";

interface Quantiles {
  p50Ms: number;
  p99Ms: number;
}

interface TargetReport {
  onUrl: string;
  offUrl: string;
  apiKey: string;
  database: string;
  overhead: { redis: Quantiles | null; inProcess: Quantiles };
}

/** Generous enough that the benchmark is never refused: it measures the counting, not the refusals. */
const HUGE = 1_000_000_000;

async function runTarget(): Promise<void> {
  const { appRouter, buildDeps, createCallerFactory, createContext, createRuntime, DEFAULT_LIMIT_SETTINGS } =
    await import("@kyro/api");
  const { bots, migrate, openDatabase } = await import("@kyro/db");
  const { createLogger, createMailer, createRedis, logDestination } = await import("@kyro/platform");
  const { loadConfig } = await import("@kyro/server");
  const { createHttpServer } = await import("@kyro/server");
  const { seedVerifiedUser } = await import("./seed-user");

  const config = loadConfig();
  const database = config.databaseUrl
    ? await openDatabase({ kind: "postgres", url: config.databaseUrl })
    : await openDatabase({ kind: "pglite", dataDir: mkdtempSync(join(tmpdir(), "kyro-bench-limits-")) });
  await migrate(database);
  const redis = config.redisUrl ? createRedis(config.redisUrl) : undefined;
  const logger = createLogger({
    level: "info",
    destination: logDestination("/dev/null"),
  });
  const limits = {
    ...DEFAULT_LIMIT_SETTINGS,
    defaults: {
      keyRequestsPerMinute: HUGE,
      userRequestsPerMinute: HUGE,
      orgRequestsPerMinute: HUGE,
      requestsPerDay: HUGE,
      messagesPerDay: HUGE,
      botRequestsPerMinute: HUGE,
      botMessagesPerDay: HUGE,
    },
    ipRequestsPerMinute: HUGE,
  };
  const secret = "bench-secret-bench-secret-bench-secret-0123";
  const build = (enabled: boolean, withRedis: boolean) =>
    buildDeps({
      db: database.db,
      redis: withRedis ? redis : undefined,
      logger,
      mailer: createMailer({ from: "bench@kyro.local", logger, mailDir: join(tmpdir(), "kyro-bench-mail") }),
      secret,
      redisKeyPrefix: `kyro-bench-limits:${process.pid}`,
      settings: { limits: { ...limits, requestLimitsEnabled: enabled } },
    });
  const on = build(true, true);
  const off = build(false, true);
  const memory = build(true, false);

  const seedCaller = (token?: string) =>
    createCallerFactory(appRouter)(
      createContext({
        runtime: createRuntime(on),
        request: { requestId: "seed", ip: "127.0.0.1", userAgent: "bench", origin: null },
        authorization: token ? `Bearer ${token}` : null,
      }),
    );
  const email = `bench-limits-${process.pid}-${Date.now()}@example.test`;
  const password = "bench-passphrase-not-common-42";
  await seedVerifiedUser(database.db, email, password);
  const { accessToken } = await seedCaller().auth.login({ email, password });
  const org = await seedCaller(accessToken).orgs.create({ name: `Bench limits ${process.pid}` });
  const { key: apiKey } = await seedCaller(accessToken).apiKeys.create({
    orgId: org.id,
    name: "bench",
    scopes: ["admin:org"],
  });
  const [bot] = await database.db
    .insert(bots)
    .values({ orgId: org.id, name: "Bench bot", config: {}, identitySecret: secret })
    .returning({ id: bots.id });
  if (!bot) throw new Error("seed bot failed");

  /** One check with the key, org (minute and day) and bot dimensions, as an org procedure makes it. */
  async function overhead(deps: typeof on): Promise<Quantiles> {
    const principal = await deps.apiKeys.verify(apiKey);
    const request = { requestId: "bench", ip: "127.0.0.1", userAgent: "bench", origin: null };
    const subject = { principal, orgId: org.id, botId: bot?.id };
    const check = async () => {
      const trace: Parameters<typeof deps.requestLimits.checkRequest>[0] = {};
      await deps.requestLimits.checkRequest(trace, request, subject);
      if (!trace.limits) throw new Error("no limit outcome");
    };
    for (let i = 0; i < 2_000; i++) await check();
    const samples = new Float64Array(20_000);
    for (let i = 0; i < samples.length; i++) {
      const started = process.hrtime.bigint();
      await check();
      samples[i] = Number(process.hrtime.bigint() - started) / 1e6;
    }
    samples.sort();
    const at = (q: number) =>
      samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
    return { p50Ms: round(at(0.5), 4), p99Ms: round(at(0.99), 4) };
  }
  const report: Omit<TargetReport, "onUrl" | "offUrl"> = {
    apiKey,
    database: database.kind,
    overhead: { redis: redis ? await overhead(on) : null, inProcess: await overhead(memory) },
  };

  const serve = async (deps: typeof on) => {
    const http = createHttpServer({ runtime: createRuntime(deps), logger, readiness: {} });
    return { http, url: await http.listen(0, "127.0.0.1") };
  };
  const servedOn = await serve(on);
  const servedOff = await serve(off);
  process.stdout.write(`${JSON.stringify({ ...report, onUrl: servedOn.url, offUrl: servedOff.url })}\n`);
  process.on("SIGTERM", () => {
    void Promise.all([servedOn.http.close(1_000), servedOff.http.close(1_000)])
      .then(() => Promise.all([on.dispose(), off.dispose(), memory.dispose()]))
      .then(() => redis?.disconnect())
      .then(() => database.close())
      .finally(() => process.exit(0));
  });
}

export async function limitsBench(repoRoot: string, env: NodeJS.ProcessEnv) {
  const {
    child,
    pid,
    report: target,
  } = await startTarget<TargetReport>(repoRoot, ["bench/limits.ts", "target"], env);
  try {
    // Nine rounds, as the API bench: single rounds scatter widely on these VMs.
    const { measured, baseline, ...ratios } = await compareAlternating(
      (seconds) => loadGet(`${target.onUrl}/api/v1/me`, target.apiKey, seconds, pid),
      (seconds) => loadGet(`${target.offUrl}/api/v1/me`, target.apiKey, seconds, pid),
      9,
    );
    return {
      database: target.database,
      checkOverheadFourDimensions: {
        redis: target.overhead.redis ?? "skipped: REDIS_URL unset",
        inProcess: target.overhead.inProcess,
      },
      restMeLimitsOnVsOff: { limitsOn: measured, limitsOff: baseline, ...ratios },
      targets: { overheadP50Ms: 0.3, overheadP99Ms: 1, throughputRatio: 0.9 },
    };
  } finally {
    child.kill("SIGTERM");
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "target") await runTarget();
