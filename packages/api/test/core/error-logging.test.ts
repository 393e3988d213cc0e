import { randomBytes, randomUUID } from "node:crypto";
import { bots, eq, sql, users, webhookEndpoints } from "@kyro/db";
import { createJobRunner, createLogger, type JobRunner } from "@kyro/platform";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type SeededOrg, type TestApp } from "../harness";

/**
 * Real query failures, with secrets as their bound parameters, logged the way the server logs them:
 * no line may carry a secret, every line must carry the SQLSTATE.
 */

const unique = () => randomBytes(6).toString("hex");
const SECRETS = {
  identity: `kyro_id_${randomBytes(32).toString("base64url")}`,
  hash: `$argon2id$v=19$m=19456,t=2,p=1$${randomBytes(16).toString("base64")}$${unique()}`,
  header: `Bearer whcred-${unique()}${unique()}`,
  email: `leaky-${unique()}@secret.example.test`,
};
/** Each secret as it would appear raw, JSON-escaped, or within Postgres' quoting. */
const needles = Object.values(SECRETS).flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);

let app: TestApp;
let org: SeededOrg;
let lines: string[];
const logger = () =>
  createLogger({ level: "info", destination: { write: (line: string) => lines.push(line) } });

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Logging");
  await app.database.db
    .insert(users)
    .values({ email: SECRETS.email, name: "Taken", passwordHash: "$argon2id$seeded" });
});
afterAll(async () => {
  await app?.close();
});

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("the statement was expected to fail");
}

function expectNoSecret(output: string): void {
  for (const needle of needles) expect(output).not.toContain(needle);
  expect(output).not.toMatch(/params|parameters|Failed query|Key \(/);
}

/** Logs `error` as the server does and returns the line, parsed. */
function logged(error: unknown): { text: string; line: { err: Record<string, unknown> } } {
  lines = [];
  logger().error({ err: error }, "request failed");
  const text = lines.join("");
  expectNoSecret(text);
  return { text, line: JSON.parse(text) };
}

/** The database error's fields, wherever the chain holds it. */
function databaseFields(err: Record<string, unknown>): Record<string, unknown> {
  let current: Record<string, unknown> | undefined = err;
  while (current) {
    if (typeof current.code === "string" && /^[0-9A-Z]{5}$/.test(current.code)) return current;
    current = current.cause as Record<string, unknown> | undefined;
  }
  throw new Error(`no SQLSTATE in ${JSON.stringify(err)}`);
}

describe("a failed query in the log", () => {
  it("a NUL in a text parameter: code only, neither the statement nor the identity secret", async () => {
    const error = await failure(() =>
      app.database.db
        .insert(bots)
        .values({ orgId: org.id, name: "x\u0000y", config: {}, identitySecret: SECRETS.identity }),
    );
    const { line } = logged(error);
    expect(databaseFields(line.err)).toMatchObject({ code: "22021" });
    expect(line.err).toMatchObject({ type: "DrizzleQueryError", command: "insert" });
  });

  it("a unique violation whose key is an email: constraint and table, not the key or the hash", async () => {
    const error = await failure(() =>
      app.database.db
        .insert(users)
        .values({ email: SECRETS.email, name: "Again", passwordHash: SECRETS.hash }),
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).toContain(SECRETS.hash);
    const { line } = logged(error);
    expect(databaseFields(line.err)).toMatchObject({
      code: "23505",
      condition: "unique_violation",
      constraint: "users_email_key",
      table: "users",
    });
  });

  it("a check-constraint violation", async () => {
    const error = await failure(() =>
      app.database.db.insert(bots).values({
        orgId: org.id,
        name: "Checked",
        config: {},
        status: "exploded" as never,
        identitySecret: SECRETS.identity,
      }),
    );
    const { line } = logged(error);
    expect(databaseFields(line.err)).toMatchObject({ code: "23514", constraint: "bots_status_check" });
  });

  it("a foreign-key violation carrying webhook header credentials", async () => {
    const error = await failure(() =>
      app.database.db.insert(webhookEndpoints).values({
        orgId: randomUUID(),
        url: "https://hooks.example.test/in",
        headers: { authorization: SECRETS.header },
        secret: SECRETS.identity,
      }),
    );
    const { line } = logged(error);
    expect(databaseFields(line.err)).toMatchObject({ code: "23503", table: "webhook_endpoints" });
  });

  it("a NUL inside a jsonb value, which Postgres quotes back in its context", async () => {
    const error = await failure(() =>
      app.database.db.insert(webhookEndpoints).values({
        orgId: org.id,
        url: "https://hooks.example.test/in",
        headers: { authorization: `${SECRETS.header}\u0000` },
        secret: SECRETS.identity,
      }),
    );
    expect(databaseFields(logged(error).line.err)).toMatchObject({ code: "22P05" });
  });

  it("an invalid uuid, which Postgres quotes in its message", async () => {
    const error = await failure(() =>
      app.database.db.select({ id: users.id }).from(users).where(sql`${users.id} = ${SECRETS.identity}`),
    );
    expect(String((error as Error & { cause?: Error }).cause?.message)).toContain(SECRETS.identity);
    expect(databaseFields(logged(error).line.err)).toMatchObject({ code: "22P02" });
  });

  it("a statement failing inside a transaction", async () => {
    const error = await failure(() =>
      app.database.db.transaction(async (tx) => {
        await tx.update(users).set({ name: "Renamed" }).where(eq(users.email, SECRETS.email));
        await tx.insert(users).values({ email: SECRETS.email, name: "Twice", passwordHash: SECRETS.hash });
      }),
    );
    expect(databaseFields(logged(error).line.err)).toMatchObject({ code: "23505" });
  });

  it("wrapped as tRPC wraps an unexpected error, whose message repeats the query's", async () => {
    const cause = await failure(() =>
      app.database.db
        .insert(users)
        .values({ email: SECRETS.email, name: "Wrapped", passwordHash: SECRETS.hash }),
    );
    const wrapped = new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause });
    expect(wrapped.message).toContain(SECRETS.hash);
    const { line } = logged(wrapped);
    expect(line.err).toMatchObject({ type: "TRPCError", code: "INTERNAL_SERVER_ERROR" });
    expect(databaseFields(line.err)).toMatchObject({ code: "23505" });
  });

  it("a wrapper that quotes the failure in its own message, and pg-boss's copy of an error", async () => {
    const cause = (await failure(() =>
      app.database.db
        .insert(users)
        .values({ email: SECRETS.email, name: "Quoted", passwordHash: SECRETS.hash }),
    )) as Error;
    const quoted = new Error(`saving ${SECRETS.email} failed: ${cause.message}`, { cause });
    expect(logged(quoted).line.err.message).toMatch(/^saving \[database error\] failed: /);
    // pg-boss emits worker errors as `{ ...error, message, stack }`: a plain object, every field copied.
    const copied = { ...cause, message: cause.message, stack: cause.stack, queue: "q" };
    expect(databaseFields(logged(copied).line.err)).toMatchObject({ code: "23505" });
  });
});

describe("a failing job", () => {
  let runner: JobRunner | undefined;
  afterAll(async () => {
    await runner?.stop(1_000);
  });

  it("logs the failure and stores its reason without the parameters", async () => {
    lines = [];
    const queue = `failing-${unique()}`;
    runner = createJobRunner({ sql: app.database, logger: logger(), supervise: false });
    await runner.start([queue]);
    await runner.work(queue, {}, async () => {
      await app.database.db
        .insert(users)
        .values({ email: SECRETS.email, name: "Job", passwordHash: SECRETS.hash });
    });
    await app.deps.jobs.enqueue(app.database.db, queue, {});
    await expect.poll(() => lines.join(""), { timeout: 20_000, interval: 100 }).toContain('"job failed"');
    const text = lines.join("");
    expectNoSecret(text);
    expect(databaseFields(JSON.parse(text).err)).toMatchObject({ code: "23505" });

    const storedReason = async () =>
      JSON.stringify(
        (await app.database.executeSql("select output from pgboss.job where name = $1", [queue])).rows,
      );
    await expect.poll(storedReason, { timeout: 20_000, interval: 100 }).toContain("23505");
    expectNoSecret(await storedReason());
  });
});
