/**
 * Issue #10 targets on the compiled build (Postgres + Redis when DATABASE_URL and REDIS_URL are set,
 * else the embedded default). Parts, each selectable (`npm run bench -- ai:retrieval ai:stream
 * ai:ingestion`; `ai` runs all three):
 * - retrieval over 100,000 chunks of one bot at concurrency 20: p99 ≤ 30 ms (baseline: a primary-key
 *   read of a chunk at the same concurrency), in this process;
 * - a streamed widget answer's overhead, time to first token at the widget minus the provider's own,
 *   at concurrency 20 with 10,000 chunks: p99 ≤ 25 ms. The server is a separate process
 *   (`bench/ai-stream-target.ts`); the mock provider runs here and waits 50 ms before its first token.
 *   Baseline: the same streamed call sent straight to the mock provider, in alternating rounds;
 * - ingestion of 1,000 documents of ~2 KB through sync jobs, upload to searchable: ≤ 60 s, while
 *   `GET /api/v1/me` keeps p99 ≤ 50 ms (baseline: the same load before ingestion starts), in this process.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps, createRuntime, startJobs } from "@kyro/api";
import { bots, eq, knowledgeChunks, migrate, openDatabase, organizations, widgetSettings } from "@kyro/db";
import { createLogger, createMailer, createRedis, logDestination } from "@kyro/platform";
import { createHttpServer, loadConfig } from "@kyro/server";
import autocannon from "autocannon";
import { retrievePassages } from "../packages/api/src/domains/ai/index";
import { parseBotConfig } from "../packages/api/src/domains/shared/bot-config";
import { benchQuestions, insertBenchChunks } from "./ai-data";
import { streamBench } from "./ai-stream";
import { seedCaller } from "./caller";
import { concurrently, summary } from "./latency";
import { round } from "./load";
import { seedVerifiedUser } from "./seed-user";

const CONCURRENCY = 20;
const ORIGIN = "https://bench.example";
const UNREACHABLE = 1_000_000_000;
const WORDS =
  "espresso grinder warranty boiler pump roast bean milk steam descale filter brew ratio water shipping refund order parcel account password invoice subscription tea kettle cup mug origin blend acidity crema tamper basket portafilter".split(
    " ",
  );

export const AI_PARTS = ["retrieval", "stream", "ingestion"] as const;
export type AiPart = (typeof AI_PARTS)[number];

export async function aiBench(repoRoot: string, env: NodeJS.ProcessEnv, parts: readonly AiPart[] = AI_PARTS) {
  const stream = parts.includes("stream") ? await streamBench(repoRoot, env) : undefined;
  const inProcess = parts.filter((part) => part !== "stream");
  return {
    ...(inProcess.length > 0 ? await inProcessBench(env, inProcess) : {}),
    ...(stream ? { streaming: stream } : {}),
  };
}

async function inProcessBench(env: NodeJS.ProcessEnv, parts: readonly AiPart[]) {
  const config = loadConfig(env);
  const database = config.databaseUrl
    ? await openDatabase({ kind: "postgres", url: config.databaseUrl })
    : await openDatabase({ kind: "pglite", dataDir: mkdtempSync(join(tmpdir(), "kyro-bench-ai-")) });
  await migrate(database);
  const redis = config.redisUrl ? createRedis(config.redisUrl) : undefined;
  const logger = createLogger({ level: "warn", destination: logDestination("/dev/null") });
  const deps = buildDeps({
    db: database.db,
    redis,
    logger,
    mailer: createMailer({ from: "bench@kyro.local", logger, mailDir: join(tmpdir(), "kyro-bench-mail") }),
    secret: "bench-secret-bench-secret-bench-secret-0123",
    redisKeyPrefix: `kyro-bench-ai:${process.pid}`,
    settings: {
      outboundAllowCidrs: ["127.0.0.0/8"],
      limits: {
        ...config.limits,
        requestLimitsEnabled: true,
        ipRequestsPerMinute: UNREACHABLE,
        conversationMessagesPerMinute: UNREACHABLE,
        defaults: {
          ...config.limits.defaults,
          keyRequestsPerMinute: UNREACHABLE,
          userRequestsPerMinute: UNREACHABLE,
          orgRequestsPerMinute: UNREACHABLE,
          requestsPerDay: UNREACHABLE,
          messagesPerDay: UNREACHABLE,
          botMessagesPerDay: UNREACHABLE,
        },
      },
    },
  });
  const runtime = createRuntime(deps);
  const caller = seedCaller(runtime);
  const http = createHttpServer({ runtime, logger, readiness: { database: () => database.ping() } });
  const url = await http.listen(0, "127.0.0.1");
  const jobs = await startJobs(deps, { sql: database, work: true, pollingIntervalSeconds: 0.5 });

  const email = `bench-ai-${process.pid}-${Date.now()}@example.test`;
  const password = "bench-passphrase-not-common-42";
  await seedVerifiedUser(database.db, email, password);
  const { accessToken } = await caller().auth.login({ email, password });
  const member = caller(accessToken);
  const { org } = await member.orgs.create({ name: `AI bench ${process.pid}` });
  const newBot = async (name: string) => {
    const [bot] = await deps.db
      .insert(bots)
      .values({
        orgId: org.id,
        name,
        status: "active",
        config: parseBotConfig({ escalation: { keywords: [], fallbacksBeforeHandoff: 0 } }),
        identitySecret: "bench-identity-secret",
      })
      .returning({ id: bots.id });
    if (!bot) throw new Error("bench bot insert failed");
    await deps.db
      .insert(widgetSettings)
      .values({ orgId: org.id, botId: bot.id, settings: { allowedDomains: [ORIGIN] } });
    return bot.id;
  };

  /** `count` chunks for the bot under one webhook source's document. */
  async function seedChunks(botId: string, count: number) {
    const { source } = await member.sources.create({
      orgId: org.id,
      botId,
      name: "Seed",
      config: { kind: "webhook" },
    });
    const { syncJob } = await member.sources.documents.push({
      orgId: org.id,
      sourceId: source.id,
      documents: [{ key: "seed", title: "Seed", text: "seed" }],
    });
    const [document] = (await member.sources.documents.list({ orgId: org.id, sourceId: source.id })).items;
    if (!document || syncJob.status !== "succeeded") throw new Error("seed document missing");
    await insertBenchChunks(
      deps.db,
      { orgId: org.id, botId, sourceId: source.id, documentId: document.id },
      count,
    );
  }

  async function retrievalPart() {
    const bigBot = await newBot("Retrieval bench");
    await seedChunks(bigBot, 100_000);
    const questions = benchQuestions();
    const [anyChunk] = await deps.db
      .select({ id: knowledgeChunks.id })
      .from(knowledgeChunks)
      .where(eq(knowledgeChunks.botId, bigBot))
      .limit(1);
    const scope = { orgId: org.id, botId: bigBot };
    await concurrently(CONCURRENCY, 200, async (n) => {
      await retrievePassages(deps.db, scope, questions[n % questions.length] as string, 5);
    });
    const retrieval = summary(
      await concurrently(CONCURRENCY, 2_000, async (n) => {
        await retrievePassages(deps.db, scope, questions[n % questions.length] as string, 5);
      }),
    );
    const primaryKey = summary(
      await concurrently(CONCURRENCY, 2_000, async () => {
        await deps.db
          .select({ id: knowledgeChunks.id, content: knowledgeChunks.content })
          .from(knowledgeChunks)
          .where(eq(knowledgeChunks.id, anyChunk?.id as string));
      }),
    );
    return {
      chunks: 100_000,
      ...retrieval,
      baselinePrimaryKey: primaryKey,
      p99Ratio: round(retrieval.p99Ms / Math.max(0.01, primaryKey.p99Ms)),
      targetP99Ms: 30,
    };
  }

  /** 1,000 documents of ~2 KB, with GET /api/v1/me under load meanwhile. */
  async function ingestionPart() {
    const ingestBot = await newBot("Ingestion bench");
    const key = await member.apiKeys.create({ orgId: org.id, name: "bench", scopes: ["admin:org"] });
    const meLoad = (seconds: number) =>
      autocannon({
        url: `${url}/api/v1/me`,
        connections: 4,
        duration: seconds,
        headers: { authorization: `Bearer ${key.key}` },
      });
    const meBefore = await meLoad(5);
    const started = performance.now();
    const meDuring = meLoad(20);
    for (let n = 0; n < 1_000; n++) {
      const text = Array.from({ length: 300 }, (_, k) => WORDS[(n * 31 + k * 17) % WORDS.length]).join(" ");
      await member.sources.create({
        orgId: org.id,
        botId: ingestBot,
        name: `Doc ${n}`,
        config: { kind: "text", text: `${text} document ${n}.` },
      });
    }
    const uploadedMs = performance.now() - started;
    const countJobs = async (statuses: string) => {
      const { rows } = await database.executeSql(
        `select count(*)::int as n from source_sync_jobs where org_id = $1 and status in (${statuses})`,
        [org.id],
      );
      return Number(rows[0]?.n ?? 0);
    };
    while ((await countJobs("'queued', 'running'")) > 0)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const ingestionMs = performance.now() - started;
    const me = await meDuring;
    return {
      documents: 1_000,
      uploadMs: round(uploadedMs),
      uploadToSearchableMs: round(ingestionMs),
      failedJobs: await countJobs("'failed'"),
      targetMs: 60_000,
      meBefore: { p50Ms: meBefore.latency.p50, p99Ms: meBefore.latency.p99 },
      meDuring: { p50Ms: me.latency.p50, p99Ms: me.latency.p99, non2xx: me.non2xx },
      meTargetP99Ms: 50,
    };
  }

  try {
    return {
      database: database.kind,
      concurrency: CONCURRENCY,
      ...(parts.includes("retrieval") ? { retrieval: await retrievalPart() } : {}),
      ...(parts.includes("ingestion") ? { ingestion: await ingestionPart() } : {}),
    };
  } finally {
    await jobs.stop(1_000);
    await http.close(1_000);
    await deps.db.delete(organizations).where(eq(organizations.id, org.id));
    await deps.dispose();
    redis?.disconnect();
    await database.close();
  }
}
