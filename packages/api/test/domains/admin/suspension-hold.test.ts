import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { actionRuns, eq, exportJobs, newId, rowsOf, sql, webhookAttempts, webhookMessages } from "@kyro/db";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { emitEvent } from "../../../src/core/events/emit";
import { ACTION_RUN_QUEUE } from "../../../src/domains/actions/runs";
import { EXPORT_QUEUE } from "../../../src/domains/exports/run";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";
import { startWebhookSink, type WebhookSink, waitUntil } from "../../webhooks-sink";

/**
 * A suspended org's background work is held, not dropped (docs/admin.md, "What suspension holds"): run
 * by the real worker, against a loopback receiver, with the held jobs looking again every second.
 */
const OPERATOR = "operator@example.test";
/** Several recheck rounds: long enough for a held job to have gone out, had it not been held. */
const HELD_FOR_MS = 3_500;

let app: TestApp;
let suspended: SeededOrg;
let other: SeededOrg;
let operatorToken: string;
let suspendedSink: WebhookSink;
let otherSink: WebhookSink;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kyro-suspension-hold-"));
  app = await createTestApp({
    worker: true,
    settings: {
      platformAdmins: [OPERATOR],
      outboundAllowCidrs: ["127.0.0.0/8"],
      suspendedJobRecheckSeconds: 1,
      exports: {
        storage: { kind: "local", dir },
        fileTtlHours: 1,
        linkTtlSeconds: 60,
        pageSize: 50,
        maxAttempts: 3,
      },
    },
  });
  operatorToken = (await app.seedUser({ email: OPERATOR })).accessToken;
  suspended = await app.seedOrg("Held");
  other = await app.seedOrg("Running");
  [suspendedSink, otherSink] = await Promise.all([startWebhookSink(), startWebhookSink()]);
  for (const [org, sink] of [
    [suspended, suspendedSink],
    [other, otherSink],
  ] as const) {
    const created = await app.caller(org.admin.accessToken).webhooks.endpoints.create({
      orgId: org.id,
      url: sink.url,
      eventTypes: ["org.updated"],
    });
    sink.trust(created.secret);
  }
});
afterAll(async () => {
  await app?.close();
  await Promise.all([suspendedSink?.close(), otherSink?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const admin = () => app.caller(operatorToken).admin.orgs;

// A failed test must not leave its org suspended for the next one.
afterEach(async () => {
  for (const org of [suspended, other]) {
    const { org: state } = await admin().get({ orgId: org.id });
    if (state.suspendedAt) await admin().reinstate({ orgId: org.id });
  }
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An `org.updated` event recorded for the org (its members cannot act while it is suspended). */
async function emitOrgUpdated(org: SeededOrg, name: string): Promise<string> {
  return app.database.db.transaction((tx) =>
    emitEvent(tx, {
      orgId: org.id,
      type: "org.updated",
      data: { orgId: org.id, name, changedFields: ["name"] },
    }),
  );
}

async function messageOf(eventId: string) {
  const [message] = await app.database.db
    .select({ id: webhookMessages.id, status: webhookMessages.status, attempts: webhookMessages.attempts })
    .from(webhookMessages)
    .where(eq(webhookMessages.eventId, eventId));
  if (!message) throw new Error("no message for the event");
  return message;
}

/** How many pg-boss jobs were ever written for the row: more than one means the worker held it. */
async function jobsFor(queue: string, field: string, value: string): Promise<number> {
  const result = await app.database.db.execute(
    sql`select count(*)::int as n from pgboss.job where name = ${queue} and data->>${field} = ${value}`,
  );
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}

/** A queued export of the org with its job, as `exports.create` writes them (its API refuses members now). */
async function queueExport(org: SeededOrg): Promise<string> {
  const id = newId();
  await app.database.db.transaction(async (tx) => {
    await tx
      .insert(exportJobs)
      .values({ id, orgId: org.id, kind: "audit", format: "json", requestedByLabel: "test" });
    await app.deps.jobs.enqueue(tx, EXPORT_QUEUE, { exportId: id });
  });
  return id;
}

async function exportOf(id: string) {
  const [row] = await app.database.db
    .select({ status: exportJobs.status, attempts: exportJobs.attempts })
    .from(exportJobs)
    .where(eq(exportJobs.id, id));
  return row;
}

describe("a suspended org's background work", () => {
  it("holds webhook deliveries and exports until reinstatement; another org's keep running", async () => {
    await admin().suspend({ orgId: suspended.id, reason: "held work test" });

    const heldEvent = await emitOrgUpdated(suspended, "Held while suspended");
    const heldExport = await queueExport(suspended);
    const otherEvent = await emitOrgUpdated(other, "Still running");
    const otherExport = await queueExport(other);

    // The other org's delivery arrives and its export completes while the first org is suspended.
    const [arrived] = await otherSink.waitFor(1);
    expect(JSON.parse(arrived?.body ?? "{}")).toMatchObject({ data: { orgId: other.id } });
    await waitUntil(async () => (await exportOf(otherExport))?.status === "completed");
    expect(await messageOf(otherEvent)).toMatchObject({ status: "succeeded", attempts: 1 });

    await sleep(HELD_FOR_MS);
    expect(suspendedSink.received).toHaveLength(0);
    const held = await messageOf(heldEvent);
    // Pending, no attempt counted or recorded: nothing burned while held.
    expect(held).toMatchObject({ status: "pending", attempts: 0 });
    const attempts = await app.database.db
      .select({ id: webhookAttempts.id })
      .from(webhookAttempts)
      .where(eq(webhookAttempts.messageId, held.id));
    expect(attempts).toHaveLength(0);
    expect(await exportOf(heldExport)).toEqual({ status: "queued", attempts: 0 });
    // The worker did look at them, and sent them again to look later (not a job that never ran).
    expect(await jobsFor("webhooks.deliver", "messageId", held.id)).toBeGreaterThan(1);
    expect(await jobsFor(EXPORT_QUEUE, "exportId", heldExport)).toBeGreaterThan(1);

    await admin().reinstate({ orgId: suspended.id });

    const [delivered] = await suspendedSink.waitFor(1);
    expect(JSON.parse(delivered?.body ?? "{}")).toMatchObject({
      type: "org.updated",
      data: { orgId: suspended.id, name: "Held while suspended" },
    });
    await waitUntil(async () => (await messageOf(heldEvent)).status === "succeeded");
    expect(await messageOf(heldEvent)).toMatchObject({ attempts: 1 });
    await waitUntil(async () => (await exportOf(heldExport))?.status === "completed");
    expect(await exportOf(heldExport)).toEqual({ status: "completed", attempts: 1 });
    // Delivered once: the copies sent while it was held were not extra attempts.
    await sleep(1_500);
    expect(suspendedSink.received).toHaveLength(1);
  });

  it("shows the suspension in admin.orgs.list and get, and filters by status", async () => {
    await admin().suspend({ orgId: other.id, reason: "listed" });
    try {
      const { org } = await admin().get({ orgId: other.id });
      expect(org.suspendedAt).toBeInstanceOf(Date);
      expect(org.suspendedReason).toBe("listed");
      const ids = async (status?: "active" | "suspended") =>
        (await admin().list({ status, limit: 100 })).items.map((item) => item.id);
      expect(await ids("suspended")).toEqual([other.id]);
      const active = await ids("active");
      expect(active).toContain(suspended.id);
      expect(active).not.toContain(other.id);
      expect(await ids()).toEqual(expect.arrayContaining([other.id, suspended.id]));
      const listed = (await admin().list({ search: other.name })).items.find((item) => item.id === other.id);
      expect(listed).toMatchObject({ suspendedReason: "listed", suspendedAt: org.suspendedAt });
    } finally {
      await admin().reinstate({ orgId: other.id });
    }
    const { org } = await admin().get({ orgId: other.id });
    expect(org).toMatchObject({ suspendedAt: null, suspendedReason: null });
  });

  it("holds a queued action run (an HTTP call) until reinstatement", async () => {
    const target = await startWebhookSink("/orders", { contract: false });
    try {
      const { action } = await app.caller(suspended.admin.accessToken).actions.create({
        orgId: suspended.id,
        name: "Held lookup",
        paramSchema: { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] },
        config: {
          type: "http",
          method: "POST",
          urlTemplate: `${target.url}/{{orderId}}`,
          headerTemplates: {},
        },
        allowedBotIds: [],
      });
      await admin().suspend({ orgId: suspended.id });
      // Queued as actions.run writes it (its API refuses the org's callers now).
      const runId = newId();
      await app.database.db.transaction(async (tx) => {
        await tx.insert(actionRuns).values({
          id: runId,
          orgId: suspended.id,
          actionId: action.id,
          trigger: "api",
          input: { orderId: "42" },
        });
        await app.deps.jobs.enqueue(tx, ACTION_RUN_QUEUE, { runId });
      });
      const runOf = async () =>
        (
          await app.database.db
            .select({ status: actionRuns.status, attempts: actionRuns.attempts })
            .from(actionRuns)
            .where(eq(actionRuns.id, runId))
        )[0];

      await sleep(HELD_FOR_MS);
      expect(target.received).toHaveLength(0);
      expect(await runOf()).toEqual({ status: "queued", attempts: 0 });
      expect(await jobsFor(ACTION_RUN_QUEUE, "runId", runId)).toBeGreaterThan(1);

      await admin().reinstate({ orgId: suspended.id });
      await target.waitFor(1);
      await waitUntil(async () => (await runOf())?.status === "succeeded");
      expect(await runOf()).toEqual({ status: "succeeded", attempts: 1 });
    } finally {
      await target.close();
    }
  });
});
