/**
 * The process under load for the list benchmark (bench/list.ts). Over ONE set of deps it serves, on two
 * ports, the real Kyro HTTP server — limits on, output validation, access log and metrics as in
 * production — and a bare node:http handler doing the same key check and the same SELECT with nothing
 * else. It seeds an org, an API key and 20 bots with config through the real procedures, and prints
 * one JSON line with what the driver (and the vanilla peer it starts) needs.
 */
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authenticateBearer, buildDeps, createRuntime, DEFAULT_LIMIT_SETTINGS } from "@kyro/api";
import {
  and,
  bots,
  botVersions,
  compileStatement,
  desc,
  eq,
  isNull,
  migrate,
  openDatabase,
  organizations,
  sql,
  users,
} from "@kyro/db";
import { createLogger, createMailer, createRedis, logDestination } from "@kyro/platform";
import { createHttpServer, loadConfig } from "@kyro/server";
import { seedCaller } from "./caller";
import { seedVerifiedUser } from "./seed-user";

/** Limits on, counted in Redis, but out of the load's reach: the bench measures their cost, not refusals. */
const HUGE = 1_000_000_000;
const SECRET = "bench-secret-bench-secret-bench-secret-0123";
export const LIST_SIZE = 20;

const config = loadConfig();
const database = config.databaseUrl
  ? await openDatabase({ kind: "postgres", url: config.databaseUrl })
  : await openDatabase({ kind: "pglite", dataDir: mkdtempSync(join(tmpdir(), "kyro-bench-list-")) });
await migrate(database);
const redis = config.redisUrl ? createRedis(config.redisUrl) : undefined;
// Production logs every request at info; written to /dev/null so formatting and writing are still paid.
const logger = createLogger({ level: "info", destination: logDestination("/dev/null") });
const huge = Object.fromEntries(Object.keys(DEFAULT_LIMIT_SETTINGS.defaults).map((name) => [name, HUGE]));
const deps = buildDeps({
  db: database.db,
  redis,
  logger,
  mailer: createMailer({ from: "bench@kyro.local", logger, mailDir: join(tmpdir(), "kyro-bench-mail") }),
  secret: SECRET,
  redisKeyPrefix: `kyro-bench-list:${process.pid}`,
  settings: {
    limits: {
      ...DEFAULT_LIMIT_SETTINGS,
      defaults: huge as unknown as typeof DEFAULT_LIMIT_SETTINGS.defaults,
      ipRequestsPerMinute: HUGE,
      requestLimitsEnabled: true,
    },
  },
});
const runtime = createRuntime(deps);
const caller = seedCaller(runtime);

const email = `bench-list-${process.pid}-${Date.now()}@example.test`;
const password = "bench-passphrase-not-common-42";
await seedVerifiedUser(database.db, email, password);
const { accessToken } = await caller().auth.login({ email, password });
const { org } = await caller(accessToken).orgs.create({ name: `Bench list ${process.pid}` });
const { key: apiKey } = await caller(accessToken).apiKeys.create({
  orgId: org.id,
  name: "bench",
  scopes: ["admin:org", "write:bots"],
});
const templates = ["customer-support", "lead-capture", "faq"];
const botIds: string[] = [];
for (let i = 0; i < LIST_SIZE; i++) {
  const templateId = templates[i % templates.length];
  const { bot } = await caller(accessToken).bots.create({
    orgId: org.id,
    name: `Bench bot ${i}`,
    templateId,
  });
  botIds.push(bot.id);
}

/** The page's statement, compiled once as Kyro's hot statements are: 21 rows, newest first. */
const listPage = compileStatement(["orgId", "limit"], (db) =>
  db
    .select({
      id: bots.id,
      name: bots.name,
      description: bots.description,
      status: bots.status,
      config: bots.config,
      templateId: bots.templateId,
      currentVersionId: bots.currentVersionId,
      currentVersion: botVersions.version,
      // Aliased: the driver's rows are keyed by column name, and bots.id is `id` too.
      creatorId: sql<string | null>`${users.id}`.as("creator_id"),
      creatorEmail: users.email,
      createdAt: bots.createdAt,
      updatedAt: bots.updatedAt,
      deletedAt: bots.deletedAt,
    })
    .from(bots)
    .leftJoin(botVersions, eq(botVersions.id, bots.currentVersionId))
    .leftJoin(users, eq(users.id, bots.createdBy))
    .where(and(eq(bots.orgId, sql.placeholder("orgId")), isNull(bots.deletedAt)))
    .orderBy(desc(bots.id))
    .limit(sql.placeholder("limit")),
);

/** What `GET /api/v1/me` reads for a key: its org, by primary key. */
const keyOrg = compileStatement(["orgId"], (db) =>
  db
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug })
    .from(organizations)
    .where(eq(organizations.id, sql.placeholder("orgId"))),
);

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * `/bots`: the same work as `GET /api/v1/bots?limit=20` with a key — the cached key check, the SELECT,
 * JSON. `/me`: the same as `GET /api/v1/me` — the key check and the org.
 */
async function bare(req: IncomingMessage, res: ServerResponse) {
  try {
    const principal = await authenticateBearer(deps, req.headers.authorization ?? null);
    if (principal?.kind !== "apiKey") return send(res, 401, { error: "unauthorized" });
    if (req.url === "/me") {
      const [row] = await keyOrg(deps.db, { orgId: principal.orgId });
      return send(res, 200, {
        kind: "apiKey",
        apiKey: { id: principal.keyId, name: principal.name },
        org: row,
      });
    }
    const rows = await listPage(deps.db, { orgId: principal.orgId, limit: LIST_SIZE + 1 });
    const items = rows.slice(0, LIST_SIZE);
    send(res, 200, { items, nextCursor: rows.length > LIST_SIZE ? (items.at(-1)?.id ?? null) : null });
  } catch (error) {
    process.stderr.write(`bare handler failed: ${(error as Error).message}\n`);
    send(res, 500, { error: "failed" });
  }
}

const kyro = createHttpServer({ runtime, logger, readiness: { database: () => database.ping() } });
const kyroUrl = await kyro.listen(0, "127.0.0.1");
const bareServer = createServer((req, res) => void bare(req, res));
await new Promise<void>((resolve) => bareServer.listen(0, "127.0.0.1", resolve));
const barePort = (bareServer.address() as AddressInfo).port;

process.stdout.write(
  `${JSON.stringify({ kyroUrl, bareUrl: `http://127.0.0.1:${barePort}`, apiKey, orgId: org.id, botId: botIds[0], secret: SECRET, database: database.kind })}\n`,
);
process.on("SIGTERM", () => {
  bareServer.close();
  void kyro
    .close(1_000)
    .then(() => deps.dispose())
    .then(() => redis?.disconnect())
    .then(() => database.close())
    .finally(() => process.exit(0));
});
