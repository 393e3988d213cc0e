import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SeededOrg } from "@kyro/api/testing";
import { seedBot } from "@kyro/api/testing/conversations";
import { startWebhookSink, type WebhookSink } from "@kyro/api/testing/webhooks-sink";
import { leads } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poisonRow } from "./poisoned-rows";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * An export job whose every run fails (the database cannot read one of its rows), run by the worker
 * through its queue and pg-boss's retry: once its attempts are spent it is `failed` and subscribers get
 * `export.failed`, checked against the document by the sink.
 */

let server: TestServer;
let org: SeededOrg;
let hooks: WebhookSink;
let dir: string;
const leadIds: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kyro-export-failures-"));
  server = await startTestServer({
    worker: true,
    settings: {
      outboundAllowCidrs: ["127.0.0.0/8"],
      exports: {
        storage: { kind: "local", dir },
        fileTtlHours: 1,
        linkTtlSeconds: 60,
        pageSize: 500,
        // Two runs: the first fails and is retried by pg-boss (5 s later), the second gives up.
        maxAttempts: 2,
      },
    },
  });
  hooks = await startWebhookSink();
  org = await server.app.seedOrg("Export that fails");
  const botId = (await seedBot(server.app, org.id)).id;
  const rows = await server.app.database.db
    .insert(leads)
    .values(
      Array.from({ length: 3 }, (_, index) => ({
        orgId: org.id,
        botId,
        email: `lead${index}@example.test`,
        source: "api",
      })),
    )
    .returning({ id: leads.id });
  leadIds.push(...rows.map((row) => row.id).sort());
});
afterAll(async () => {
  await server?.close();
  await hooks?.close();
  await rm(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${org.owner.accessToken}`, "content-type": "application/json" });

interface ExportBody {
  export: { id: string; status: string; attempts: number; error: string | null; downloadUrl: string | null };
}

async function exportOf(id: string): Promise<ExportBody["export"]> {
  const res = await fetch(`${server.url}/api/v1/exports/${id}?orgId=${org.id}`, { headers: auth() });
  return ((await res.json()) as ExportBody).export;
}

describe("an export whose attempts are spent", () => {
  it("is failed with no file and delivers export.failed once", async () => {
    const owner = server.app.caller(org.owner.accessToken);
    const endpoint = await owner.webhooks.endpoints.create({
      orgId: org.id,
      url: hooks.url,
      eventTypes: ["export.completed", "export.failed"],
    });
    hooks.trust(endpoint.secret);
    // The oldest lead is the first row of the first page: the read fails before any row is sent.
    const undo = await poisonRow(server.app.database.db, "leads", "email", leadIds[0] ?? "");
    let current: ExportBody["export"];
    try {
      const created = await fetch(`${server.url}/api/v1/exports`, {
        method: "POST",
        headers: auth(),
        body: JSON.stringify({ orgId: org.id, kind: "leads", format: "ndjson" }),
      });
      expect(created.status).toBe(202);
      current = ((await created.json()) as ExportBody).export;
      for (let poll = 0; poll < 120 && current.status !== "failed"; poll++) {
        await new Promise((done) => setTimeout(done, 250));
        current = await exportOf(current.id);
      }
    } finally {
      await undo();
    }
    expect(current).toMatchObject({
      status: "failed",
      attempts: 2,
      error: "The export could not be written",
      downloadUrl: null,
    });

    const [delivery] = await hooks.waitFor(1);
    const body = JSON.parse(delivery?.body ?? "{}") as { type: string; data: Record<string, unknown> };
    expect(body).toMatchObject({
      type: "export.failed",
      data: {
        exportId: current.id,
        kind: "leads",
        format: "ndjson",
        attempts: 2,
        error: "The export could not be written",
      },
    });
    // Nothing of the database's own error reaches the subscriber.
    expect(delivery?.body).not.toContain("poisoned");
  });
});
