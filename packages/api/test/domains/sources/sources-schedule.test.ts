import { eq, knowledgeSources, sourceSyncJobs } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickSources } from "../../../src/domains/sources/schedule";
import { eventsOf, seedBot } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

/** The minute tick without a worker: reaping stuck sync jobs (with bounded retries) and due re-syncs. */

let app: TestApp;
let org: SeededOrg;
let botId: string;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Sources Tick");
  botId = (await seedBot(app, org.id)).id;
});
afterAll(async () => {
  await app?.close();
});

async function textSource(name: string) {
  const created = await app.caller(org.admin.accessToken).sources.create({
    orgId: org.id,
    botId,
    name,
    config: { kind: "text", text: `${name} text.` },
  });
  return { sourceId: created.source.id, syncJobId: created.syncJob?.id as string };
}

const jobsOf = (sourceId: string) =>
  app.database.db
    .select({
      id: sourceSyncJobs.id,
      status: sourceSyncJobs.status,
      trigger: sourceSyncJobs.trigger,
      attempts: sourceSyncJobs.attempts,
      error: sourceSyncJobs.error,
    })
    .from(sourceSyncJobs)
    .where(eq(sourceSyncJobs.sourceId, sourceId))
    .orderBy(sourceSyncJobs.id);

describe("sources tick", () => {
  it("fails a sync stuck past the timeout, emits source.failed and queues a retry until attempts run out", async () => {
    const { sourceId, syncJobId } = await textSource("Stuck");
    const longAgo = new Date(Date.now() - 60 * 60_000);
    await app.database.db
      .update(sourceSyncJobs)
      .set({ status: "running", startedAt: longAgo, attempts: 1 })
      .where(eq(sourceSyncJobs.id, syncJobId));
    expect((await tickSources(app.deps)).reaped).toBe(1);
    const [stuck, retry] = await jobsOf(sourceId);
    expect(stuck).toMatchObject({ status: "failed", error: "The sync did not finish in time" });
    expect(retry).toMatchObject({ status: "queued", trigger: "created", attempts: 1 });
    const failed = await eventsOf(app, org.id, "source.failed");
    expect(failed.some((event) => (event.data as { syncJobId: string }).syncJobId === syncJobId)).toBe(true);

    // The last allowed attempt hangs too: no further retry, the source stays failed.
    await app.database.db
      .update(sourceSyncJobs)
      .set({ status: "running", startedAt: longAgo, attempts: app.deps.settings.sources.maxAttempts })
      .where(eq(sourceSyncJobs.id, retry?.id as string));
    expect((await tickSources(app.deps)).reaped).toBe(1);
    expect((await jobsOf(sourceId)).map((job) => job.status)).toEqual(["failed", "failed"]);
    const [source] = await app.database.db
      .select({ status: knowledgeSources.status })
      .from(knowledgeSources)
      .where(eq(knowledgeSources.id, sourceId));
    expect(source?.status).toBe("failed");
  });

  it("leaves a running sync within the timeout alone", async () => {
    const { syncJobId } = await textSource("Running");
    await app.database.db
      .update(sourceSyncJobs)
      .set({ status: "running", startedAt: new Date() })
      .where(eq(sourceSyncJobs.id, syncJobId));
    expect((await tickSources(app.deps)).reaped).toBe(0);
  });

  it("queues the re-syncs that are due, once", async () => {
    const { sourceId } = await textSource("Scheduled");
    await app.database.db
      .update(knowledgeSources)
      .set({ resyncIntervalHours: 24, nextSyncAt: new Date(Date.now() - 1_000) })
      .where(eq(knowledgeSources.id, sourceId));
    expect((await tickSources(app.deps)).scheduled).toBe(1);
    expect((await tickSources(app.deps)).scheduled).toBe(0);
    expect((await jobsOf(sourceId)).map((job) => job.trigger)).toEqual(["created", "scheduled"]);
  });
});
