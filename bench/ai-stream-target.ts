/**
 * The process under load for the AI benchmark's streamed answers: the real Kyro HTTP server (compiled)
 * over a bot with 10,000 chunks whose org's provider is the driver's mock OpenAI-compatible server
 * (its URL is the first argument). Limits stay on with ceilings the load cannot reach. Prints one JSON
 * line with what the driver needs.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps, createRuntime } from "@kyro/api";
import { bots, eq, migrate, openDatabase, organizations, widgetSettings } from "@kyro/db";
import { createLogger, createMailer, createRedis, logDestination } from "@kyro/platform";
import { createHttpServer, loadConfig } from "@kyro/server";
import { parseBotConfig } from "../packages/api/src/domains/shared/bot-config";
import { insertBenchChunks } from "./ai-data";
import { seedCaller } from "./caller";
import { seedVerifiedUser } from "./seed-user";

const ORIGIN = "https://bench.example";
const UNREACHABLE = 1_000_000_000;
const CHUNKS = 10_000;
const SESSIONS = 20;
const providerUrl = process.argv[2];
if (!providerUrl) throw new Error("usage: ai-stream-target.ts <provider base URL>");

const config = loadConfig();
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
  redisKeyPrefix: `kyro-bench-ai-stream:${process.pid}`,
  settings: {
    outboundAllowCidrs: ["127.0.0.0/8"],
    limits: {
      ...config.limits,
      requestLimitsEnabled: true,
      ipRequestsPerMinute: UNREACHABLE,
      conversationMessagesPerMinute: UNREACHABLE,
      defaults: {
        ...config.limits.defaults,
        messagesPerDay: UNREACHABLE,
        botMessagesPerDay: UNREACHABLE,
      },
    },
  },
});
const runtime = createRuntime(deps);
const caller = seedCaller(runtime);

const email = `bench-ai-stream-${process.pid}-${Date.now()}@example.test`;
const password = "bench-passphrase-not-common-42";
await seedVerifiedUser(database.db, email, password);
const { accessToken } = await caller().auth.login({ email, password });
const member = caller(accessToken);
const { org } = await member.orgs.create({ name: `AI stream bench ${process.pid}` });
const [bot] = await deps.db
  .insert(bots)
  .values({
    orgId: org.id,
    name: "Streaming bench",
    status: "active",
    config: parseBotConfig({ escalation: { keywords: [], fallbacksBeforeHandoff: 0 } }),
    identitySecret: "bench-identity-secret",
  })
  .returning({ id: bots.id });
if (!bot) throw new Error("bench bot insert failed");
await deps.db
  .insert(widgetSettings)
  .values({ orgId: org.id, botId: bot.id, settings: { allowedDomains: [ORIGIN] } });
const { source } = await member.sources.create({
  orgId: org.id,
  botId: bot.id,
  name: "Seed",
  config: { kind: "webhook" },
});
await member.sources.documents.push({
  orgId: org.id,
  sourceId: source.id,
  documents: [{ key: "seed", title: "Seed", text: "seed" }],
});
const [document] = (await member.sources.documents.list({ orgId: org.id, sourceId: source.id })).items;
if (!document) throw new Error("seed document missing");
await insertBenchChunks(
  deps.db,
  { orgId: org.id, botId: bot.id, sourceId: source.id, documentId: document.id },
  CHUNKS,
);
await member.providers.create({
  orgId: org.id,
  name: "Mock",
  baseUrl: providerUrl,
  apiKey: "sk-bench-mock-provider-0000",
  chatModel: "fake-chat",
});
const sessions: { token: string; conversationId: string }[] = [];
for (let i = 0; i < SESSIONS; i++) {
  const session = await caller(undefined, ORIGIN).widget.sessions.create({ botId: bot.id });
  sessions.push({ token: session.token, conversationId: session.conversationId });
}

const http = createHttpServer({ runtime, logger, readiness: { database: () => database.ping() } });
const url = await http.listen(0, "127.0.0.1");
process.stdout.write(
  `${JSON.stringify({ url, origin: ORIGIN, sessions, chunks: CHUNKS, database: database.kind })}\n`,
);
// The bench org goes when the bench does (its rows cascade), so later runs search clean indexes.
process.on("SIGTERM", () => {
  void http
    .close(1_000)
    .then(() => deps.db.delete(organizations).where(eq(organizations.id, org.id)))
    .then(() => deps.dispose())
    .then(() => redis?.disconnect())
    .then(() => database.close())
    .finally(() => process.exit(0));
});
