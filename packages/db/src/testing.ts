import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "./client";
import { migrate } from "./migrate";

/**
 * A fresh, migrated database for one test file. With a Postgres URL each call creates its own
 * database cloned from a migrated template (created once per run by `prepareTemplate`), so test files
 * and workers never see each other's rows; without one it is an in-memory PGlite.
 */
export async function createTestDatabase(postgresUrl?: string): Promise<DatabaseHandle> {
  if (!postgresUrl) {
    const handle = await openDatabase({ kind: "pglite" });
    await migrate(handle);
    return handle;
  }
  const name = `kyro_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    await createFromTemplate(admin, name, templateName(postgresUrl));
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

/** Migrates the template database once per test run (vitest globalSetup). */
export async function prepareTemplate(postgresUrl: string): Promise<void> {
  const name = templateName(postgresUrl);
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const handle = await openDatabase({
    kind: "postgres",
    url: withDatabase(postgresUrl, name),
    maxConnections: 1,
  });
  try {
    await migrate(handle);
  } finally {
    await handle.close();
  }
}

export async function dropTemplate(postgresUrl: string): Promise<void> {
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin
    .unsafe(`drop database if exists "${templateName(postgresUrl)}" with (force)`)
    .finally(() => admin.end());
}

function templateName(postgresUrl: string): string {
  const base = new URL(postgresUrl).pathname.slice(1) || "postgres";
  return `kyro_template_${base}`.slice(0, 63);
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
