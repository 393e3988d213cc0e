import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SeededOrg } from "@kyro/api/testing";
import { seedBot } from "@kyro/api/testing/conversations";
import { and, auditEvents, eq, leads } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let org: SeededOrg;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kyro-exports-http-"));
  server = await startTestServer({
    worker: true,
    settings: {
      exports: {
        storage: { kind: "local", dir },
        fileTtlHours: 1,
        linkTtlSeconds: 60,
        pageSize: 500,
        maxAttempts: 3,
      },
    },
  });
  org = await server.app.seedOrg("Exports over HTTP");
  const botId = (await seedBot(server.app, org.id)).id;
  await server.app.database.db.insert(leads).values(
    Array.from({ length: 3 }, (_, index) => ({
      orgId: org.id,
      botId,
      email: `lead${index}@example.test`,
      source: "api",
    })),
  );
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${org.owner.accessToken}`, "content-type": "application/json" });

interface ExportBody {
  export: { id: string; status: string; progress: number; downloadUrl: string | null };
}

/** The download link with the test server's address instead of KYRO_PUBLIC_URL's. */
const local = (link: string) => {
  const url = new URL(link);
  return `${server.url}${url.pathname}${url.search}`;
};

describe("REST /api/v1/exports", () => {
  it("queues a job (202), reports progress and serves the finished file by a signed link", async () => {
    const created = await fetch(`${server.url}/api/v1/exports`, {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ orgId: org.id, kind: "leads", format: "csv", pii: "omit" }),
    });
    expect(created.status).toBe(202);
    const { export: queued } = (await created.json()) as ExportBody;
    let current = queued;
    for (let poll = 0; poll < 60 && current.status !== "completed"; poll++) {
      await new Promise((done) => setTimeout(done, 250));
      const res = await fetch(`${server.url}/api/v1/exports/${queued.id}?orgId=${org.id}`, {
        headers: auth(),
      });
      current = ((await res.json()) as ExportBody).export;
    }
    expect(current).toMatchObject({ status: "completed", progress: 100 });
    const listed = await fetch(`${server.url}/api/v1/exports?orgId=${org.id}`, { headers: auth() });
    expect(((await listed.json()) as { items: { id: string }[] }).items[0]?.id).toBe(queued.id);

    const link = local(current.downloadUrl ?? "");
    const file = await fetch(link, {
      headers: { "user-agent": "export-fetcher/2.0", "x-request-id": "dl-1" },
    });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await file.text()).trimEnd().split("\r\n");
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).every((line) => !line.includes("@example.test"))).toBe(true);

    const tampered = new URL(link);
    tampered.searchParams.set("expires", String(Number(tampered.searchParams.get("expires")) + 60));
    const refused = await fetch(tampered);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { code: "FORBIDDEN", details: { reason: "invalid_link" } },
    });
    const past = new URL(link);
    past.searchParams.set("format", "json");
    expect((await fetch(past)).status).toBe(403);

    // The one download served is audited with where it came from; the refused links are not.
    const downloads = await server.app.database.db
      .select({
        resourceId: auditEvents.resourceId,
        ip: auditEvents.ip,
        userAgent: auditEvents.userAgent,
        requestId: auditEvents.requestId,
      })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "export.downloaded")));
    expect(downloads).toEqual([
      { resourceId: queued.id, ip: "127.0.0.1", userAgent: "export-fetcher/2.0", requestId: "dl-1" },
    ]);
  });

  it("answers 401 without a credential and 404 for another org's export", async () => {
    expect((await fetch(`${server.url}/api/v1/exports?orgId=${org.id}`)).status).toBe(401);
    const other = await server.app.seedOrg("Someone else");
    const res = await fetch(`${server.url}/api/v1/exports?orgId=${org.id}`, {
      headers: { authorization: `Bearer ${other.owner.accessToken}` },
    });
    expect(res.status).toBe(404);
  });
});
