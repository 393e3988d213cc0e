import { dropTemplate, prepareTemplate } from "@kyro/db/testing";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

/** With a Postgres URL, migrate one template database that every test file clones. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databaseUrl = project.config.provide.databaseUrl;
  if (databaseUrl) await prepareTemplate(databaseUrl);
  return async () => {
    if (databaseUrl) await dropTemplate(databaseUrl);
  };
}
