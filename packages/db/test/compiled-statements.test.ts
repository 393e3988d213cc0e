import { randomUUID } from "node:crypto";
import { compiledInsert, compileStatement, type DatabaseHandle, domainEvents, organizations } from "@kyro/db";
import { createTestDatabase } from "@kyro/db/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

let database: DatabaseHandle;
let orgId: string;

beforeAll(async () => {
  const databaseUrl = inject("databaseUrl");
  database = await createTestDatabase(
    databaseUrl
      ? { url: databaseUrl, template: inject("templateDatabase") }
      : { snapshot: inject("pgliteSnapshot") },
  );
  const [org] = await database.db
    .insert(organizations)
    .values({ name: "Compiled", slug: `compiled-${randomUUID()}` })
    .returning({ id: organizations.id });
  if (!org) throw new Error("org insert failed");
  orgId = org.id;
});
afterAll(async () => {
  await database?.close();
});

const insertEvents = compiledInsert(domainEvents, ["id", "orgId", "type", "version", "data", "createdAt"]);
const selectEvent = compileStatement(["id"], (db) =>
  db
    .select({ type: domainEvents.type, data: domainEvents.data, createdAt: domainEvents.createdAt })
    .from(domainEvents)
    .where(eq(domainEvents.id, sql.placeholder("id"))),
);

const event = (type: string, at = new Date("2026-05-01T10:00:00.000Z")) => ({
  id: randomUUID(),
  orgId,
  type,
  version: 1,
  data: { nested: { list: [1, 2] }, text: 'it\'s "quoted"' },
  createdAt: at,
});

describe("compiled statements", () => {
  it("binds each run's values through the columns' encoders (jsonb, timestamps), any row count", async () => {
    const one = event("compiled.one");
    const pair = [event("compiled.two"), event("compiled.three", new Date("2026-05-02T00:00:00.000Z"))];
    await insertEvents(database.db, [one]);
    await insertEvents(database.db, pair);
    for (const row of [one, ...pair]) {
      const [stored] = await selectEvent(database.db, { id: row.id });
      expect(stored?.type).toBe(row.type);
      expect(stored?.data).toEqual(row.data);
      expect(new Date(String(stored?.createdAt)).toISOString()).toBe(row.createdAt.toISOString());
    }
  });

  it("runs inside the executor's transaction: a rollback keeps nothing", async () => {
    const rolledBack = event("compiled.rolled-back");
    await expect(
      database.db.transaction(async (tx) => {
        await insertEvents(tx, [rolledBack]);
        expect(await selectEvent(tx, { id: rolledBack.id })).toHaveLength(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await selectEvent(database.db, { id: rolledBack.id })).toEqual([]);
  });

  it("refuses a query that binds anything but placeholders (an id or time Drizzle fills in would repeat)", async () => {
    const withDefaults = compiledInsert(domainEvents, ["orgId", "type", "version", "data"]);
    await expect(
      withDefaults(database.db, [{ orgId, type: "compiled.defaults", version: 1, data: {} }]),
    ).rejects.toThrow(/would repeat on every run/);
    const withLiteral = compileStatement(["id"], (db) =>
      db.select({ id: domainEvents.id }).from(domainEvents).where(eq(domainEvents.type, "literal")),
    );
    await expect(withLiteral(database.db, { id: "unused" })).rejects.toThrow(/would repeat on every run/);
  });
});
