import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase, PGLITE_EXTENSIONS } from "./client";
import { migrate } from "./migrate";

export interface PostgresTestTarget {
  url: string;
  /** The migrated template this run clones, from `prepareTemplate`. */
  template: string;
}

export interface PgliteTestTarget {
  /** A migrated database dumped once per run (`preparePgliteSnapshot`); empty: migrate from scratch. */
  snapshot: string;
}

/**
 * A fresh, migrated database for one test file. With a Postgres target each call creates its own
 * database cloned from the run's migrated template, so test files, workers and concurrent runs never
 * see each other's rows; otherwise it is an in-memory PGlite, loaded from the run's migrated snapshot
 * (a third of the time creating and migrating one takes, per test file).
 */
export async function createTestDatabase(
  target: PostgresTestTarget | PgliteTestTarget = { snapshot: "" },
): Promise<DatabaseHandle> {
  if ("snapshot" in target) {
    if (!target.snapshot) {
      const handle = await openDatabase({ kind: "pglite" });
      await migrate(handle);
      return handle;
    }
    const client = await PGlite.create({
      extensions: PGLITE_EXTENSIONS,
      loadDataDir: new Blob([readFileSync(target.snapshot)]),
    });
    return openDatabase({ kind: "pglite", client });
  }
  const postgresUrl = target.url;
  const name = `kyro_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    await createFromTemplate(admin, name, target.template);
  } finally {
    await admin.end();
  }
  const handle = await openDatabase({
    kind: "postgres",
    url: withDatabase(postgresUrl, name),
    maxConnections: 5,
  });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const dropper = postgres(postgresUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists "${name}" with (force)`).finally(() => dropper.end());
    },
  };
}

/** Creates, migrates and dumps this run's PGlite snapshot (vitest globalSetup); returns its file. */
export async function preparePgliteSnapshot(): Promise<string> {
  const client = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  try {
    await migrate(await openDatabase({ kind: "pglite", client }));
    const dump = await client.dumpDataDir("none");
    const file = join(tmpdir(), `kyro-pglite-${randomBytes(6).toString("hex")}.tar`);
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    return file;
  } finally {
    await client.close();
  }
}

export function dropPgliteSnapshot(file: string): void {
  rmSync(file, { force: true });
}

/** Creates and migrates this run's template database (vitest globalSetup); returns its name. */
export async function prepareTemplate(postgresUrl: string): Promise<string> {
  const name = `kyro_template_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const handle = await openDatabase({
    kind: "postgres",
    url: withDatabase(postgresUrl, name),
    maxConnections: 2,
  });
  try {
    await migrate(handle);
  } finally {
    await handle.close();
  }
  return name;
}

export async function dropTemplate(postgresUrl: string, name: string): Promise<void> {
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`).finally(() => admin.end());
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function createFromTemplate(admin: postgres.Sql, name: string, template: string): Promise<void> {
  // Postgres refuses to copy a template while another CREATE DATABASE is reading it; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`create database "${name}" template "${template}"`);
      return;
    } catch (error) {
      if (attempt >= 20 || !String(error).includes("being accessed by other users")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
}
