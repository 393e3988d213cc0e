import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/client";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * A query that fails after Postgres has already sent some of its rows (a statement timeout, a per-row
 * error) must leave nothing behind on its connection: the next query there returns exactly its own
 * rows. postgres.js 3.x kept a per-connection row counter that only a completed query reset, so the
 * next result had empty leading slots (porsager/postgres#1119, #1181). One connection, so the next
 * query surely runs where the failure happened. PGlite has no such counter: Postgres only.
 */
const databaseUrl = inject("databaseUrl");

/** Sends rows 1 and 2, then fails on row 3 (division by zero). Not a constant: it is not folded away. */
const FAILING = "select g, 10 / (g - 3) as q from generate_series(1, 5) g";
const SEQUENCE = [{ g: 1 }, { g: 2 }, { g: 3 }, { g: 4 }];

/** Drizzle wraps the driver's error in its own "Failed query" one. */
const DIVISION_BY_ZERO = { cause: { message: expect.stringMatching(/division by zero/) } };

/** Exactly SEQUENCE, holes told apart from values (`toEqual` alone reads a hole as `undefined`). */
function expectSequence(result: unknown) {
  expect(Array.isArray(result)).toBe(true);
  const rows = result as unknown[];
  expect(rows.length).toBe(SEQUENCE.length);
  expect(rows.every((_, index) => index in rows)).toBe(true);
  expect(Array.from(rows)).toEqual(SEQUENCE);
}

describe.skipIf(!databaseUrl)("a query that fails part-way through its rows (Postgres)", () => {
  let database: DatabaseHandle;

  beforeAll(async () => {
    database = await openDatabase({ kind: "postgres", url: databaseUrl, maxConnections: 1 });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("really fails after sending rows, not before the first one", async () => {
    const direct = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const seen: unknown[] = [];
    try {
      await expect(
        direct.unsafe(FAILING).forEach((row) => {
          seen.push(row);
        }),
      ).rejects.toThrow(/division by zero/);
    } finally {
      await direct.end();
    }
    expect(seen).toEqual([
      { g: 1, q: -5 },
      { g: 2, q: -10 },
    ]);
  });

  it("leaves the next prepared statement's rows intact (extended protocol, as Drizzle runs every query)", async () => {
    await expect(database.db.execute(sql`${sql.raw(FAILING)} where ${1} = 1`)).rejects.toMatchObject(
      DIVISION_BY_ZERO,
    );
    expectSequence(await database.db.execute(sql`select g from generate_series(1, ${4}) g`));
    // A select Drizzle maps itself (array rows, then objects), the shape every service query has.
    await expect(database.db.execute(sql.raw(FAILING))).rejects.toMatchObject(DIVISION_BY_ZERO);
    expectSequence(await database.db.select({ g: sql<number>`g` }).from(sql`generate_series(1, 4) g`));
  });

  it("leaves the next result intact on raw SQL, with values and as a script (simple protocol)", async () => {
    await expect(database.executeSql(`${FAILING} where $1 = 1`, [1])).rejects.toThrow(/division by zero/);
    expectSequence((await database.executeSql("select g from generate_series(1, $1::int) g", [4])).rows);
    await expect(database.executeSql(FAILING)).rejects.toThrow(/division by zero/);
    expectSequence((await database.executeSql("select g from generate_series(1, 4) g")).rows);
  });
});
