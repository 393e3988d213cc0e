import { readFileSync } from "node:fs";
import { migrationsFolder, rowsOf, type SQL, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { backfill, seedActivity } from "./analytics-fixtures";

/**
 * Migration 0014 replaced 0009's row triggers by statement triggers that must mark the same buckets.
 * Here 0009's triggers run beside them, as written in 0009 but renamed and writing to a table of their
 * own, and after each kind of write the two sets of marked buckets must be equal.
 */

let app: TestApp;
let org: SeededOrg;
let botIds: string[];

/** 0009's marking functions and triggers, renamed, appending to `row_marks`. */
function rowTriggersOf0009(): string[] {
  const migration = readFileSync(`${migrationsFolder}/0009_analytics.sql`, "utf8");
  return migration
    .slice(migration.indexOf('CREATE FUNCTION "analytics_mark_row"'))
    .replaceAll("INSERT INTO analytics_dirty ", "INSERT INTO row_marks ")
    .replaceAll("analytics_mark_", "row_mark_")
    .replace(/CREATE TRIGGER "(\w+)"/g, 'CREATE TRIGGER "row_$1"')
    .split("--> statement-breakpoint");
}

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Equivalence");
  const owner = app.caller(org.owner.accessToken);
  botIds = [];
  for (const name of ["Alpha", "Bravo"])
    botIds.push((await owner.bots.create({ orgId: org.id, name })).bot.id);
  await app.deps.db.execute(sql`create table row_marks (org_id uuid, bot_id uuid, bucket timestamptz)`);
  const statements = rowTriggersOf0009();
  expect(statements.length).toBe(11);
  for (const statement of statements) await app.deps.db.execute(sql.raw(statement));
});
afterAll(async () => {
  await app?.close();
});

const buckets = (table: string) => sql`select distinct org_id, bot_id, bucket from ${sql.raw(table)}`;

/** Runs `write`, then answers how many buckets it marked; both trigger sets must have marked the same. */
async function marksAfter(write: () => Promise<unknown>): Promise<number> {
  await app.deps.db.execute(sql`delete from analytics_dirty`);
  await app.deps.db.execute(sql`delete from row_marks`);
  await write();
  const count = async (query: SQL) =>
    Number(
      rowsOf<{ n: number }>(await app.deps.db.execute(sql`select count(*)::int as n from (${query}) q`))[0]
        ?.n,
    );
  const rowOnly = await count(sql`${buckets("row_marks")} except ${buckets("analytics_dirty")}`);
  const statementOnly = await count(sql`${buckets("analytics_dirty")} except ${buckets("row_marks")}`);
  expect({ rowOnly, statementOnly }).toEqual({ rowOnly: 0, statementOnly: 0 });
  return count(buckets("analytics_dirty"));
}

const exec = (query: SQL) => () => app.deps.db.execute(query);

describe("statement marks against 0009's row marks", () => {
  it("mark the same buckets for inserts, updates, deletes and returning visitors", async () => {
    const options = { orgId: org.id, botIds, start: "2026-04-01T00:00:00Z", spacingSeconds: 2311 };
    expect(
      await marksAfter(() => seedActivity(app.deps.db, { ...options, count: 160, salt: "a" })),
    ).toBeGreaterThan(100);
    expect(
      await marksAfter(() => backfill(app.deps.db, org.id, botIds, "2026-03-30T06:00:00Z")),
    ).toBeGreaterThan(50);
    const member = org.owner.id;
    expect(
      await marksAfter(
        exec(sql`update conversations set assignee_id = ${member}::uuid, message_count = message_count + 1
          where org_id = ${org.id}::uuid and abs(hashtext(id::text || 'assign')) % 3 = 0`),
      ),
    ).toBeGreaterThan(10);
    expect(
      await marksAfter(exec(sql`update conversations set last_message_at = now(), message_count = 0`)),
    ).toBe(0);
    expect(
      await marksAfter(
        exec(sql`update conversations set created_at = created_at - interval '20 minutes'
          where org_id = ${org.id}::uuid and abs(hashtext(id::text || 'move')) % 4 = 0`),
      ),
    ).toBeGreaterThan(10);
    expect(
      await marksAfter(
        exec(
          sql`delete from conversations where org_id = ${org.id}::uuid and abs(hashtext(id::text || 'drop')) % 5 = 0`,
        ),
      ),
    ).toBeGreaterThan(10);
    expect(
      await marksAfter(exec(sql`delete from messages where org_id = ${org.id}::uuid and role = 'visitor'`)),
    ).toBeGreaterThan(50);
    expect(
      await marksAfter(exec(sql`delete from usage_events where org_id = ${org.id}::uuid`)),
    ).toBeGreaterThan(10);
  });

  it("mark the same buckets when a bot and then its org are deleted", async () => {
    const owner = app.caller(org.owner.accessToken);
    // A bot's rows go when the purge deletes the soft-deleted bot for good.
    expect(await marksAfter(exec(sql`delete from bots where id = ${botIds[1]}::uuid`))).toBeGreaterThan(10);
    expect(
      await marksAfter(() => owner.orgs.delete({ orgId: org.id, confirmName: org.name })),
    ).toBeGreaterThan(10);
  });
});
