import { organizations } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineJob } from "../src/core/jobs";
import { createTestApp, type TestApp } from "./harness";

const seen: { value: number; attempt: number }[] = [];
let failuresLeft = 0;

const recordJob = defineJob<{ value: number }>({
  name: "test.record",
  batchSize: 5,
  async handle(_deps, data) {
    if (failuresLeft > 0) {
      failuresLeft--;
      throw new Error("transient failure");
    }
    seen.push({ value: data.value, attempt: seen.length });
  },
});

async function waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("jobs", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ worker: { jobs: [recordJob] } });
  });
  afterAll(() => app.close());

  it("runs a job enqueued in a committed transaction", async () => {
    await app.deps.db.transaction(async (tx) => {
      await tx.insert(organizations).values({ name: "Jobs", slug: `jobs-${Date.now()}` });
      expect(await app.deps.jobs.enqueue(tx, recordJob.name, { value: 1 })).toEqual(expect.any(String));
    });
    await waitFor(() => seen.some((entry) => entry.value === 1));
  });

  it("never runs a job whose transaction rolled back", async () => {
    await expect(
      app.deps.db.transaction(async (tx) => {
        await app.deps.jobs.enqueue(tx, recordJob.name, { value: 2 });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await app.deps.jobs.enqueue(app.deps.db, recordJob.name, { value: 3 });
    await waitFor(() => seen.some((entry) => entry.value === 3));
    expect(seen.map((entry) => entry.value)).not.toContain(2);
  });

  it("retries a job whose handler throws", async () => {
    failuresLeft = 1;
    await app.deps.jobs.enqueue(app.deps.db, recordJob.name, { value: 4 });
    await waitFor(() => seen.some((entry) => entry.value === 4), 20_000);
    expect(failuresLeft).toBe(0);
  });

  it("holds a delayed job until it is due", async () => {
    const started = Date.now();
    await app.deps.jobs.enqueue(app.deps.db, recordJob.name, { value: 5 }, { startAfterSeconds: 2 });
    await waitFor(() => seen.some((entry) => entry.value === 5));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });
});
