import { randomBytes } from "node:crypto";
import { once } from "node:events";
import {
  apiKeys,
  type DatabaseHandle,
  memberships,
  organizations,
  type Role,
  refreshTokenFamilies,
  users,
} from "@kyro/db";
import { createTestDatabase } from "@kyro/db/testing";
import {
  createLogger,
  createRedis,
  hashPassword,
  type Mailer,
  type MailMessage,
  type Redis,
} from "@kyro/platform";
import { inject } from "vitest";
import { createContext, createRuntime, type Runtime } from "../src/core/context";
import type { AppDeps, Settings } from "../src/core/deps";
import type { JobDefinition } from "../src/core/jobs";
import type { ApiKeyScope } from "../src/core/policy";
import { createCallerFactory } from "../src/core/trpc";
import { mintApiKey } from "../src/domains/api-keys/key-format";
import { type JobsHandle, startJobs } from "../src/jobs";
import { appRouter } from "../src/root";
import { buildDeps } from "../src/wiring";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    templateDatabase: string;
    pgliteSnapshot: string;
  }
}

export const TEST_PASSWORD = "correct-horse-battery-staple";
const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface SeededUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  sessionId: string;
}

export interface SeededOrg {
  id: string;
  name: string;
  owner: SeededUser;
  admin: SeededUser;
  agent: SeededUser;
  viewer: SeededUser;
}

/** A mailer that keeps what it would send, for tests that do not exercise SMTP itself. */
export interface RecordingMailer extends Mailer {
  sent: MailMessage[];
}

export interface SeededApiKey {
  id: string;
  /** The secret, usable as a bearer token with `caller(key)`. */
  key: string;
  name: string;
}

export interface ApiKeySeed {
  scopes: ApiKeyScope[];
  name?: string;
  botId?: string;
  /** May lie in the past, to seed an expired key. */
  expiresAt?: Date;
}

/** Another server process on the same database, secret and Redis (its own connection and caches). */
export interface TestPeer {
  deps: AppDeps;
  runtime: Runtime;
  caller: TestApp["caller"];
  close(): Promise<void>;
}

export interface TestApp {
  deps: AppDeps;
  runtime: Runtime;
  database: DatabaseHandle;
  mailer: RecordingMailer;
  /** A tRPC caller; with a token it acts as that user, without one it is anonymous. */
  caller(
    accessToken?: string | null,
    request?: Partial<{ ip: string; userAgent: string; requestId: string; origin: string }>,
  ): Caller;
  /** An org with one user of each role. */
  seedOrg(name?: string): Promise<SeededOrg>;
  /** A user with a live session (and optionally a membership); verified unless `verified: false`. */
  seedUser(options?: {
    email?: string;
    orgId?: string;
    role?: Role;
    verified?: boolean;
  }): Promise<SeededUser>;
  /** An API key of the org, written straight to the database (no audit event, no creator). */
  seedApiKey(orgId: string, seed: ApiKeySeed): Promise<SeededApiKey>;
  /** A second process sharing this app's database and Redis, for cross-process cache tests. */
  peer(): Promise<TestPeer>;
  /** The job queues (pg-boss), always installed; polling only with the `worker` option. */
  jobs: JobsHandle;
  close(): Promise<void>;
}

export interface TestWorkerOptions {
  /** Default 0.5 s (pg-boss's minimum), so tests see jobs run promptly. */
  pollingIntervalSeconds?: number;
  /** The jobs to run instead of the registry's. */
  // biome-ignore lint/suspicious/noExplicitAny: each job has its own payload type.
  jobs?: readonly JobDefinition<any>[];
}

let passwordHash: Promise<string> | undefined;

/**
 * One isolated app per test file: its own database (a fresh Postgres database when DATABASE_URL is set,
 * in-memory PGlite otherwise) and its own Redis key prefix when REDIS_URL is set.
 */
export async function createTestApp(
  options: {
    settings?: Partial<Settings>;
    mailer?: Mailer;
    /** Run the job worker (pg-boss polling every queue of the registry) in this app. */
    worker?: boolean | TestWorkerOptions;
  } = {},
): Promise<TestApp> {
  const databaseUrl = inject("databaseUrl");
  const database = await createTestDatabase(
    databaseUrl
      ? { url: databaseUrl, template: inject("templateDatabase") }
      : { snapshot: inject("pgliteSnapshot") },
  );
  const redisUrl = inject("redisUrl");
  const redis: Redis | undefined = redisUrl ? createRedis(redisUrl) : undefined;
  const sent: MailMessage[] = [];
  const recording: RecordingMailer = {
    sent,
    async send(message) {
      sent.push(message);
    },
    close() {},
  };
  const shared = {
    db: database.db,
    logger: createLogger({ level: "silent" }),
    mailer: options.mailer ?? recording,
    secret: randomBytes(32).toString("hex"),
    redisKeyPrefix: `kyro-test:${randomBytes(4).toString("hex")}`,
    settings: options.settings,
  };
  const deps = buildDeps({ ...shared, redis });
  const runtime = createRuntime(deps);
  const workerOptions = typeof options.worker === "object" ? options.worker : {};
  const jobs = await startJobs(deps, {
    sql: database,
    work: options.worker !== undefined && options.worker !== false,
    pollingIntervalSeconds: workerOptions.pollingIntervalSeconds ?? 0.5,
    jobs: workerOptions.jobs,
  });
  let counter = 0;

  const callerFor =
    (target: Runtime): TestApp["caller"] =>
    (accessToken, request) =>
      createCaller(
        createContext({
          runtime: target,
          request: {
            requestId: request?.requestId ?? `req-${++counter}`,
            ip: request?.ip ?? "127.0.0.1",
            userAgent: request?.userAgent ?? "vitest",
            origin: request?.origin ?? null,
          },
          authorization: accessToken ? `Bearer ${accessToken}` : null,
        }),
      );
  const caller = callerFor(runtime);

  const seedUser: TestApp["seedUser"] = async (seed = {}) => {
    passwordHash ??= hashPassword(TEST_PASSWORD);
    const email = seed.email ?? `user-${randomBytes(5).toString("hex")}@example.test`;
    const [user] = await database.db
      .insert(users)
      .values({
        email,
        name: email.split("@")[0] ?? "",
        passwordHash: await passwordHash,
        emailVerifiedAt: seed.verified === false ? null : new Date(),
      })
      .returning({ id: users.id });
    if (!user) throw new Error("seed user failed");
    if (seed.orgId) {
      await database.db
        .insert(memberships)
        .values({ orgId: seed.orgId, userId: user.id, role: seed.role ?? "viewer" });
    }
    const [session] = await database.db
      .insert(refreshTokenFamilies)
      .values({ userId: user.id, expiresAt: new Date(Date.now() + 86_400_000) })
      .returning({ id: refreshTokenFamilies.id });
    if (!session) throw new Error("seed session failed");
    const { token } = await deps.accessTokens.sign({
      userId: user.id,
      sessionId: session.id,
      activeOrgId: null,
    });
    return { id: user.id, email, password: TEST_PASSWORD, accessToken: token, sessionId: session.id };
  };

  const seedOrg: TestApp["seedOrg"] = async (name = "Acme") => {
    const [org] = await database.db
      .insert(organizations)
      .values({
        name,
        slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${randomBytes(3).toString("hex")}`,
      })
      .returning({ id: organizations.id });
    if (!org) throw new Error("seed org failed");
    const [owner, admin, agent, viewer] = await Promise.all(
      (["owner", "admin", "agent", "viewer"] as const).map((role) => seedUser({ orgId: org.id, role })),
    );
    if (!owner || !admin || !agent || !viewer) throw new Error("seed members failed");
    return { id: org.id, name, owner, admin, agent, viewer };
  };

  const seedApiKey: TestApp["seedApiKey"] = async (orgId, seed) => {
    const minted = mintApiKey(deps.hmacKeys.apiKey);
    const name = seed.name ?? `key-${randomBytes(3).toString("hex")}`;
    const [row] = await database.db
      .insert(apiKeys)
      .values({
        orgId,
        name,
        keyHash: minted.keyHash,
        last4: minted.last4,
        scopes: seed.scopes,
        botId: seed.botId ?? null,
        expiresAt: seed.expiresAt ?? null,
      })
      .returning({ id: apiKeys.id });
    if (!row) throw new Error("seed api key failed");
    return { id: row.id, key: minted.key, name };
  };

  const peers: TestPeer[] = [];
  const peer: TestApp["peer"] = async () => {
    const peerRedis = redisUrl ? createRedis(redisUrl) : undefined;
    // A real process takes traffic once /health/ready sees Redis; until then it counts limits in process.
    if (peerRedis && peerRedis.status !== "ready") await once(peerRedis, "ready");
    const peerDeps = buildDeps({ ...shared, redis: peerRedis });
    const peerRuntime = createRuntime(peerDeps);
    const created: TestPeer = {
      deps: peerDeps,
      runtime: peerRuntime,
      caller: callerFor(peerRuntime),
      async close() {
        await peerDeps.dispose();
        peerRedis?.disconnect();
      },
    };
    peers.push(created);
    return created;
  };

  return {
    deps,
    runtime,
    database,
    mailer: recording,
    caller,
    seedOrg,
    seedUser,
    seedApiKey,
    peer,
    jobs,
    async close() {
      await jobs.stop(1_000);
      for (const opened of peers) await opened.close();
      await deps.dispose();
      redis?.disconnect();
      await database.close();
    },
  };
}
