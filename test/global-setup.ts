import { dropPgliteSnapshot, dropTemplate, preparePgliteSnapshot, prepareTemplate } from "@kyro/db/testing";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { ensureBuilt } from "../scripts/built.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    templateDatabase: string;
    /** The run's migrated PGlite, dumped once (embedded runs); every test file loads its own copy. */
    pgliteSnapshot: string;
    /** FUZZ_SEED and FUZZ_RUNS for the REST fuzz (apps/server/test/rest-fuzz.test.ts); empty for its defaults. */
    fuzzSeed: string;
    fuzzRuns: string;
  }
}

/**
 * Migrates once per run what every test file copies: with a Postgres URL a template database (unique to
 * this run) that each file clones, otherwise a PGlite snapshot each file loads.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Tests that start Kyro as a process (`npm start`, the worker, the CLI) run the compiled server.
  ensureBuilt();
  const databaseUrl = project.config.provide.databaseUrl;
  if (!databaseUrl) {
    const snapshot = await preparePgliteSnapshot();
    project.provide("templateDatabase", "");
    project.provide("pgliteSnapshot", snapshot);
    return async () => dropPgliteSnapshot(snapshot);
  }
  const template = await prepareTemplate(databaseUrl);
  project.provide("templateDatabase", template);
  project.provide("pgliteSnapshot", "");
  return async () => {
    await dropTemplate(databaseUrl, template);
  };
}
