/**
 * The process under load for the widget benchmark: the real Kyro HTTP server over a bot with 10,000
 * knowledge entries and a pool of open widget sessions. Limits stay on (their Redis or in-process
 * counting is part of a message's cost) with ceilings the load cannot reach. Prints one JSON line with
 * what the driver needs.
 */

import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps, createRuntime } from "@kyro/api";
import {
  bots,
  conversations,
  eq,
  messages,
  migrate,
  openDatabase,
  organizations,
  sql,
  widgetSettings,
} from "@kyro/db";
import { createLogger, createMailer, createRedis, logDestination } from "@kyro/platform";
import { createHttpServer, loadConfig } from "@kyro/server";

import { ANSWER_THRESHOLD, searchKnowledge } from "../packages/api/src/domains/knowledge/index";
import { parseBotConfig } from "../packages/api/src/domains/shared/bot-config";
import { seedCaller } from "./caller";
import { seedVerifiedUser } from "./seed-user";
import { knowledgeSet, SESSIONS } from "./widget-data";

const ORIGIN = "https://bench.example";
const UNREACHABLE = 1_000_000_000;

const config = loadConfig();
const database = config.databaseUrl
  ? await openDatabase({ kind: "postgres", url: config.databaseUrl })
  : await openDatabase({ kind: "pglite", dataDir: mkdtempSync(join(tmpdir(), "kyro-bench-widget-")) });
await migrate(database);
const redis = config.redisUrl ? createRedis(config.redisUrl) : undefined;
const logger = createLogger({
  level: "info",
  destination: logDestination("/dev/null"),
});
const deps = buildDeps({
  db: database.db,
  redis,
  logger,
  mailer: createMailer({ from: "bench@kyro.local", logger, mailDir: join(tmpdir(), "kyro-bench-mail") }),
  secret: "bench-secret-bench-secret-bench-secret-0123",
  redisKeyPrefix: `kyro-bench-widget:${process.pid}`,
  settings: {
    limits: {
      ...config.limits,
      requestLimitsEnabled: true,
      ipRequestsPerMinute: UNREACHABLE,
      conversationMessagesPerMinute: UNREACHABLE,
      defaults: { ...config.limits.defaults, messagesPerDay: UNREACHABLE, botMessagesPerDay: UNREACHABLE },
    },
  },
});
const runtime = createRuntime(deps);
const caller = seedCaller(runtime);

const email = `bench-widget-${process.pid}-${Date.now()}@example.test`;
const password = "bench-passphrase-not-common-42";
await seedVerifiedUser(database.db, email, password);
const { accessToken } = await caller().auth.login({ email, password });
const { org } = await caller(accessToken).orgs.create({ name: `Widget bench ${process.pid}` });
const [bot] = await deps.db
  .insert(bots)
  .values({
    orgId: org.id,
    name: "Bench bot",
    status: "active",
    config: parseBotConfig({ escalation: { keywords: ["human"], fallbacksBeforeHandoff: 0 } }),
    identitySecret: "bench-identity-secret",
  })
  .returning({ id: bots.id });
if (!bot) throw new Error("bench bot insert failed");
const botId = bot.id;
await deps.db
  .insert(widgetSettings)
  .values({ orgId: org.id, botId: bot.id, settings: { allowedDomains: [ORIGIN] } });
const entries = knowledgeSet();
await caller(accessToken).knowledge.entries.replace({ orgId: org.id, botId: bot.id, entries });
// Measure the steady state: autovacuum analyzes a freshly loaded table within a minute, and until it
// does the planner may scan the bot's rows instead of using the full-text index.
await deps.db.execute(sql`analyze knowledge_entries`);

const sessions: { token: string; conversationId: string }[] = [];
for (let i = 0; i < SESSIONS; i++) {
  const session = await caller(undefined, ORIGIN).widget.sessions.create({ botId: bot.id });
  sessions.push({ token: session.token, conversationId: session.conversationId });
}

/**
 * The baseline: the round trip the issue names and nothing else, on the same database and pool — search
 * the bot's knowledge (the same statement the responder uses), then one transaction storing the visitor's
 * message and the reply and counting them on the conversation. No session token, limits, events or
 * logging: the ratio to it is what the product around those statements costs.
 */
async function bare(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const { content } = JSON.parse(Buffer.concat(chunks).toString()) as { content: string };
  const conversationId = req.url?.split("/")[5] ?? "";
  const [match] = await searchKnowledge(deps.db, { orgId: org.id, botId }, content, 1);
  const reply = match && match.score >= ANSWER_THRESHOLD ? match.answer : "Sorry, I do not know.";
  const stored = await deps.db.transaction(async (tx) => {
    const rows = await tx
      .insert(messages)
      .values([
        { orgId: org.id, conversationId, botId, role: "visitor", content },
        { orgId: org.id, conversationId, botId, role: "bot", content: reply },
      ])
      .returning({ id: messages.id });
    await tx
      .update(conversations)
      .set({ messageCount: sql`${conversations.messageCount} + 2`, lastMessageAt: new Date() })
      .where(eq(conversations.id, conversationId));
    return rows;
  });
  const text = JSON.stringify({
    message: { id: stored[0]?.id, content },
    reply: { id: stored[1]?.id, content: reply },
  });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
const bareServer = createServer((req, res) => {
  bare(req, res).catch(() => {
    res.writeHead(500).end();
  });
});
await new Promise<void>((resolve) => bareServer.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

const http = createHttpServer({ runtime, logger, readiness: { database: () => database.ping() } });
const url = await http.listen(0, "127.0.0.1");
process.stdout.write(
  `${JSON.stringify({ url, bareUrl, origin: ORIGIN, sessions, entries: entries.length, database: database.kind })}\n`,
);
// The bench org goes when the bench does (its rows cascade): knowledge left behind by earlier runs
// would sit in the same full-text index and slow the next run's searches.
process.on("SIGTERM", () => {
  bareServer.close();
  void http
    .close(1_000)
    .then(() => deps.db.delete(organizations).where(eq(organizations.id, org.id)))
    .then(() => deps.dispose())
    .then(() => redis?.disconnect())
    .then(() => database.close())
    .finally(() => process.exit(0));
});
