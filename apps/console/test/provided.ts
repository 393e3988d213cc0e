import type {} from "vitest";

/** What the suite's global setup (test/global-setup.ts) provides that these tests read. */
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}
