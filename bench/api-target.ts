/**
 * The process under load for the API benchmark. It serves, on two ports and over ONE set of deps
 * (same database, same key verifier and cache), the real Kyro HTTP server and a bare node:http handler
 * that does the identical key check and query with nothing else — so the ratio between the two is
 * what Kyro's HTTP stack, tRPC, validation, logging and metrics cost.
 * It seeds a user, an org and an API key through the real procedures, measures cache-hit key
 * verification in-process, and prints one JSON line with what the driver needs.
 */

import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authenticateBearer, buildDeps, createRuntime } from "@kyro/api";
import { and, compileStatement, eq, memberships, migrate, openDatabase, organizations, sql } from "@kyro/db";
import { createLogger, createMailer, createRedis, logDestination } from "@kyro/platform";
import { createHttpServer, loadConfig } from "@kyro/server";

import { seedCaller } from "./caller";
import { seedVerifiedUser } from "./seed-user";

const config = loadConfig();
const database = config.databaseUrl
  ? await openDatabase({ kind: "postgres", url: config.databaseUrl })
  : await openDatabase({ kind: "pglite", dataDir: mkdtempSync(join(tmpdir(), "kyro-bench-api-")) });
await migrate(database);
const redis = config.redisUrl ? createRedis(config.redisUrl) : undefined;
// Production logs every request at info; write them to /dev/null so serialization is still paid.
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
  redisKeyPrefix: `kyro-bench:${process.pid}`,
  // The bare baseline does no limiting and the load exceeds any per-key rate; bench/limits.ts measures limits.
  settings: { limits: { ...config.limits, requestLimitsEnabled: false } },
});
const runtime = createRuntime(deps);
const caller = seedCaller(runtime);

const email = `bench-${process.pid}-${Date.now()}@example.test`;
const password = "bench-passphrase-not-common-42";
await seedVerifiedUser(database.db, email, password);
const { accessToken } = await caller().auth.login({ email, password });
const { org } = await caller(accessToken).orgs.create({ name: `Bench ${process.pid}` });
const { key: apiKey } = await caller(accessToken).apiKeys.create({
  orgId: org.id,
  name: "bench",
  scopes: ["admin:org"],
});

async function verificationQuantiles() {
  for (let i = 0; i < 2_000; i++) await deps.apiKeys.verify(apiKey);
  const samples = new Float64Array(20_000);
  for (let i = 0; i < samples.length; i++) {
    const started = process.hrtime.bigint();
    await deps.apiKeys.verify(apiKey);
    samples[i] = Number(process.hrtime.bigint() - started) / 1e6;
  }
  samples.sort();
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

const orgColumns = { id: organizations.id, name: organizations.name, slug: organizations.slug };

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// Run the way Kyro runs them: compiled once (as `me` and the membership check do), else through Drizzle.
const keyOrg = compileStatement(["orgId"], (db) =>
  db
    .select(orgColumns)
    .from(organizations)
    .where(eq(organizations.id, sql.placeholder("orgId"))),
);
const membershipOf = compileStatement(["orgId", "userId"], (db) =>
  db
    .select({ role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(
      and(eq(memberships.orgId, sql.placeholder("orgId")), eq(memberships.userId, sql.placeholder("userId"))),
    ),
);

/** Same work as GET /api/v1/me with a key and GET /trpc/orgs.get with an access token, nothing more. */
async function bare(req: IncomingMessage, res: ServerResponse) {
  try {
    const principal = await authenticateBearer(deps, req.headers.authorization ?? null);
    if (!principal) return send(res, 401, { error: "unauthorized" });
    if (principal.kind === "apiKey") {
      const [row] = await keyOrg(deps.db, { orgId: principal.orgId });
      return send(res, 200, {
        kind: "apiKey",
        apiKey: { id: principal.keyId, name: principal.name },
        org: row,
      });
    }
    // The same two queries orgProcedure("org:read") and getOrg run: the membership, then the org.
    const [membership] = await membershipOf(deps.db, { orgId: org.id, userId: principal.userId });
    if (!membership) return send(res, 404, { error: "not found" });
    const [row] = await deps.db
      .select({ ...orgColumns, createdAt: organizations.createdAt })
      .from(organizations)
      .where(eq(organizations.id, org.id))
      .limit(1);
    return send(res, 200, { result: { data: { ...row, role: membership.role } } });
  } catch {
    send(res, 401, { error: "unauthorized" });
  }
}

const verification = await verificationQuantiles();
const kyro = createHttpServer({ runtime, logger, readiness: { database: () => database.ping() } });
const kyroUrl = await kyro.listen(0, "127.0.0.1");
const bareServer = createServer((req, res) => void bare(req, res));
await new Promise<void>((resolve) => bareServer.listen(0, "127.0.0.1", resolve));
const barePort = (bareServer.address() as AddressInfo).port;

process.stdout.write(
  `${JSON.stringify({ kyroUrl, bareUrl: `http://127.0.0.1:${barePort}`, apiKey, accessToken, orgId: org.id, verification, database: database.kind })}\n`,
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
