/**
 * Issue #10 targets, in one process on the compiled build (Postgres + Redis when DATABASE_URL and
 * REDIS_URL are set, else the embedded default):
 * - retrieval over 100,000 chunks of one bot at concurrency 20: p99 ≤ 30 ms (baseline: a primary-key
 *   read of a chunk at the same concurrency);
 * - a streamed widget answer's overhead, time to first token at the widget minus the provider's own,
 *   at concurrency 20 with 10,000 chunks: p99 ≤ 25 ms (the mock provider waits 50 ms before its first
 *   token);
 * - ingestion of 1,000 documents of ~2 KB through sync jobs, upload to searchable: ≤ 60 s, while
 *   `GET /api/v1/me` keeps p99 ≤ 50 ms (baseline: the same load before ingestion starts).
 * The driver, the server and the mock provider share this process, so the overheads include the
 * driver's own work: they are upper bounds.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  appRouter,
  buildDeps,
  createCallerFactory,
  createContext,
  createRuntime,
  startJobs,
} from "@kyro/api";
import { bots, eq, knowledgeChunks, migrate, openDatabase, organizations, widgetSettings } from "@kyro/db";
import { createLogger, createMailer, createRedis, logDestination } from "@kyro/platform";
import autocannon from "autocannon";
import { loadConfig } from "../apps/server/src/config";
import { createHttpServer } from "../apps/server/src/http/server";
import { retrievePassages } from "../packages/api/src/domains/ai/index";
import { parseBotConfig } from "../packages/api/src/domains/shared/bot-config";
import { startFakeLlm } from "../packages/api/test/fake-llm";
import { benchQuestions, insertChunks, WORDS } from "./ai-corpus";
import { concurrently, summary } from "./latency";
import { round } from "./load";
import { seedVerifiedUser } from "./seed-user";

const CONCURRENCY = 20;
const ORIGIN = "https://bench.example";
const UNREACHABLE = 1_000_000_000;
const PROVIDER_TTFT_MS = 50;

export async function aiBench(_repoRoot: string, env: NodeJS.ProcessEnv) {
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
  const caller = (token?: string, origin: string | null = null) =>
    createCallerFactory(appRouter)(
      createContext({
        runtime,
        request: { requestId: "bench", ip: "127.0.0.1", userAgent: "bench", origin },
        authorization: token ? `Bearer ${token}` : null,
      }),
    );
  const llm = await startFakeLlm({ latencyMs: PROVIDER_TTFT_MS });
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

  /** `count` chunks of ~60 words for the bot, written in one statement per 10,000 under one source. */
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
    await insertChunks(
      deps.db,
      { orgId: org.id, botId, sourceId: source.id, documentId: document.id },
      count,
    );
  }

  try {
    // 1. Retrieval over 100,000 chunks.
    const bigBot = await newBot("Retrieval bench");
    await seedChunks(bigBot, 100_000);
    const questions = benchQuestions(200);
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

    // 2. Streamed answer overhead with 10,000 chunks.
    const streamBot = await newBot("Streaming bench");
    await seedChunks(streamBot, 10_000);
    await member.providers.create({
      orgId: org.id,
      name: "Mock",
      baseUrl: llm.url,
      apiKey: "sk-bench-mock-provider-0000",
      chatModel: "fake-chat",
    });
    const sessions = await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        caller(undefined, ORIGIN).widget.sessions.create({ botId: streamBot }),
      ),
    );
    const streamOnce = async (n: number) => {
      const session = sessions[n % sessions.length];
      if (!session) throw new Error("no session");
      const started = performance.now();
      const res = await fetch(`${url}/api/v1/widget/sessions/${session.conversationId}/messages/stream`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${session.token}`,
          origin: ORIGIN,
          accept: "text/event-stream",
        },
        body: JSON.stringify({ content: questions[n % questions.length] }),
      });
      let firstToken = 0;
      let body = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        body += Buffer.from(chunk).toString("utf8");
        if (!firstToken && body.includes("event: delta")) firstToken = performance.now() - started;
      }
      if (res.status !== 200 || !body.includes("event: done"))
        throw new Error(`stream failed: ${res.status} ${body.slice(0, 200)}`);
      return firstToken - PROVIDER_TTFT_MS;
    };
    const overheads: number[] = [];
    await concurrently(CONCURRENCY, 100, async (n) => {
      await streamOnce(n);
    });
    await concurrently(CONCURRENCY, 1_000, async (n) => {
      overheads.push(await streamOnce(n));
    });

    // 3. Ingestion of 1,000 documents of ~2 KB, with GET /api/v1/me under load meanwhile.
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
    const syncJobs: string[] = [];
    for (let n = 0; n < 1_000; n++) {
      const text = Array.from({ length: 300 }, (_, k) => WORDS[(n * 31 + k * 17) % WORDS.length]).join(" ");
      const { syncJob } = await member.sources.create({
        orgId: org.id,
        botId: ingestBot,
        name: `Doc ${n}`,
        config: { kind: "text", text: `${text} document ${n}.` },
      });
      syncJobs.push(syncJob?.id as string);
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
    const failed = await countJobs("'failed'");

    return {
      database: database.kind,
      concurrency: CONCURRENCY,
      retrieval: {
        chunks: 100_000,
        ...retrieval,
        baselinePrimaryKey: primaryKey,
        p99Ratio: round(retrieval.p99Ms / Math.max(0.01, primaryKey.p99Ms)),
        targetP99Ms: 30,
      },
      streaming: {
        chunks: 10_000,
        providerTtftMs: PROVIDER_TTFT_MS,
        overhead: summary(overheads),
        targetP99Ms: 25,
      },
      ingestion: {
        documents: 1_000,
        uploadMs: round(uploadedMs),
        uploadToSearchableMs: round(ingestionMs),
        failedJobs: failed,
        targetMs: 60_000,
        meBefore: { p50Ms: meBefore.latency.p50, p99Ms: meBefore.latency.p99 },
        meDuring: { p50Ms: me.latency.p50, p99Ms: me.latency.p99, non2xx: me.non2xx },
        meTargetP99Ms: 50,
      },
    };
  } finally {
    await jobs.stop(1_000);
    await http.close(1_000);
    await llm.close();
    await deps.db.delete(organizations).where(eq(organizations.id, org.id));
    await deps.dispose();
    redis?.disconnect();
    await database.close();
  }
}
