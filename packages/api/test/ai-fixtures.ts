import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Caller } from "./harness";

/** Helpers shared by the AI tests: fixture files, and waiting for a sync job to finish. */

export const fixtureBase64 = (name: string): string =>
  readFileSync(new URL(`./fixtures/documents/${name}`, import.meta.url)).toString("base64");

export async function waitForSync(caller: Caller, orgId: string, syncJobId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { syncJob } = await caller.sources.syncJobs.get({ orgId, syncJobId });
    if (syncJob.status === "succeeded" || syncJob.status === "failed") return syncJob;
    expect(Date.now(), `sync job ${syncJobId} still ${syncJob.status}`).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
