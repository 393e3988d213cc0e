import { dropTemplate, prepareTemplate } from "@kyro/db/testing";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { ensureBuilt } from "../scripts/built.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    templateDatabase: string;
  }
}

/** With a Postgres URL, migrate one template database (unique to this run) that every test file clones. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Tests that start Kyro as a process (`npm start`, the worker, the CLI) run the compiled server.
  ensureBuilt();
  const databaseUrl = project.config.provide.databaseUrl;
  if (!databaseUrl) {
    project.provide("templateDatabase", "");
    return async () => {};
  }
  const template = await prepareTemplate(databaseUrl);
  project.provide("templateDatabase", template);
  return async () => {
    await dropTemplate(databaseUrl, template);
  };
}
