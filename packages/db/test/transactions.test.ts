import { randomUUID } from "node:crypto";
import { type DatabaseHandle, domainEvents, organizations } from "@kyro/db";
import { createTestDatabase } from "@kyro/db/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/** The transaction semantics every service relies on, on both drivers (Postgres pipelines BEGIN). */
let database: DatabaseHandle;
let orgId: string;
const databaseUrl = inject("databaseUrl");

beforeAll(async () => {
  database = await createTestDatabase(
    databaseUrl
      ? { url: databaseUrl, template: inject("templateDatabase") }
      : { snapshot: inject("pgliteSnapshot") },
  );
  const [org] = await database.db
    .insert(organizations)
    .values({ name: "Transactions", slug: `transactions-${randomUUID()}` })
    .returning({ id: organizations.id });
  if (!org) throw new Error("org insert failed");
  orgId = org.id;
});
afterAll(async () => {
  await database?.close();
});

const event = (type: string) => ({ orgId, type, version: 1, data: {} });
/** The driver's message under Drizzle's "Failed query" wrapper. */
async function failure(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error("expected the transaction to fail");
  return error.cause instanceof Error ? error.cause.message : error.message;
}
const stored = async (type: string) =>
  (await database.db.select({ id: domainEvents.id }).from(domainEvents).where(eq(domainEvents.type, type)))
    .length;

describe("transactions", () => {
  it("commits every statement together, and returns the body's result", async () => {
    const result = await database.db.transaction(async (tx) => {
      await tx.insert(domainEvents).values(event("tx.committed"));
      await Promise.all([
        tx.insert(domainEvents).values(event("tx.committed")),
        tx.insert(domainEvents).values(event("tx.committed")),
      ]);
      return "done";
    });
    expect(result).toBe("done");
    expect(await stored("tx.committed")).toBe(3);
  });

  it("keeps nothing when the body throws, whether its first statement or a later one failed", async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await tx.insert(domainEvents).values(event("tx.thrown"));
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(
      await failure(
        database.db.transaction(async (tx) => {
          await tx.execute(sql`select 1 / 0`);
        }),
      ),
    ).toMatch(/division by zero/);
    expect(
      await failure(
        database.db.transaction(async (tx) => {
          await tx.insert(domainEvents).values(event("tx.failed-later"));
          await tx.execute(sql`select 1 / 0`);
        }),
      ),
    ).toMatch(/division by zero/);
    expect(await stored("tx.thrown")).toBe(0);
    expect(await stored("tx.failed-later")).toBe(0);
  });

  it("rolls a nested transaction back to its savepoint and commits the rest", async () => {
    await database.db.transaction(async (tx) => {
      await tx.insert(domainEvents).values(event("tx.outer"));
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(domainEvents).values(event("tx.inner"));
          throw new Error("inner only");
        }),
      ).rejects.toThrow("inner only");
      await tx.transaction(async (inner) => {
        await inner.insert(domainEvents).values(event("tx.inner-kept"));
      });
    });
    expect([await stored("tx.outer"), await stored("tx.inner"), await stored("tx.inner-kept")]).toEqual([
      1, 0, 1,
    ]);
  });

  it("gives its connection back after failures: more failed transactions than the pool holds, then one that works", async () => {
    for (let i = 0; i < 12; i++) {
      await expect(database.db.transaction((tx) => tx.execute(sql`select 1 / 0`))).rejects.toThrow();
    }
    await database.db.transaction((tx) => tx.insert(domainEvents).values(event("tx.after-failures")));
    expect(await stored("tx.after-failures")).toBe(1);
  });

  // PGlite's own transaction cannot see a failure the body swallowed; on Postgres COMMIT then answers
  // ROLLBACK, and that must reach the caller rather than a success with nothing stored.
  it.skipIf(!databaseUrl)("never reports success for a transaction Postgres rolled back", async () => {
    expect(
      await failure(
        database.db.transaction(async (tx) => {
          await tx.insert(domainEvents).values(event("tx.swallowed"));
          await tx.execute(sql`select 1 / 0`).catch(() => undefined);
        }),
      ),
    ).toMatch(/division by zero/);
    expect(await stored("tx.swallowed")).toBe(0);
  });
});
