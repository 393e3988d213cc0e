import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../src/client";
import { migrate } from "../src/migrate";

/**
 * Several processes starting at once (two API processes and a worker, each with KYRO_AUTO_MIGRATE)
 * migrate one database together: exactly one applies the migrations, the others wait and find them
 * applied. Drizzle's migrator reads the last applied migration outside its transaction, so without a
 * lock two of them apply the same migration and one fails. Postgres only: a PGlite data directory
 * belongs to one process.
 */
const databaseUrl = inject("databaseUrl");

describe.skipIf(!databaseUrl)("migrating one database from several processes at once", () => {
  const name = `kyro_migrate_${randomBytes(6).toString("hex")}`;
  const admin = () => postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    const sql = admin();
    await sql.unsafe(`create database "${name}"`).finally(() => sql.end());
  });
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    const sql = admin();
    await sql.unsafe(`drop database if exists "${name}" with (force)`).finally(() => sql.end());
  });

  it("applies every migration once and lets every process start", async () => {
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    for (let index = 0; index < 4; index++) {
      handles.push(await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 2 }));
    }
    const outcomes = await Promise.allSettled(handles.map((handle) => migrate(handle)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(4).fill("fulfilled"));
    const applied = await handles[0]?.executeSql("select hash from drizzle.__drizzle_migrations");
    const journal = await import("../../../drizzle/meta/_journal.json", { with: { type: "json" } });
    expect(applied?.rows).toHaveLength(journal.default.entries.length);
  });
});
