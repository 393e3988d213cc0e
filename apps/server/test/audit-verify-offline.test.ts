import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { SeededOrg } from "@kyro/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

const run = promisify(execFile);
const SCRIPT = new URL("../../../scripts/verify-audit-export.mjs", import.meta.url).pathname;

let server: TestServer;
let org: SeededOrg;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Offline");
  dir = mkdtempSync(join(tmpdir(), "kyro-audit-"));
  for (const name of ["Support", "Ventes ✓", "サポート 😀", 'Quote " and \\ backslash']) {
    const res = await fetch(`${server.url}/api/v1/bots?orgId=${org.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.owner.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) =>
  fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${org.owner.accessToken}` } });

/** Runs the documented script on an export; resolves to its exit code and output. */
async function verifyOffline(events: unknown[]): Promise<{ code: number; out: string }> {
  const file = join(dir, `export-${Math.random()}.json`);
  writeFileSync(file, JSON.stringify(events));
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, file]);
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, out: failed.stdout };
  }
}

describe("audit chain, end to end over REST", () => {
  it("answers GET /audit-events/verify with ok and the count", async () => {
    const res = await get(`/audit-events/verify?orgId=${org.id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; count: number; broken: unknown };
    expect(body).toMatchObject({ ok: true, broken: null });
    expect(body.count).toBeGreaterThanOrEqual(4);
  });

  it("lets an auditor verify the JSON export offline with the documented script, and names a tampered event", async () => {
    const res = await get(`/audit-events/export?orgId=${org.id}&format=json`);
    expect(res.status).toBe(200);
    const events = (await res.json()) as { id: string; chainSeq: number; action: string; diff: unknown }[];
    const ok = await verifyOffline(events);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      new RegExp(`^ok: ${events.length} events, seq 1\\.\\.${events.length}, last hash [0-9a-f]{64}`),
    );

    const tampered = structuredClone(events);
    const victim = tampered.find((event) => event.chainSeq === 2);
    if (!victim) throw new Error("no second event");
    victim.diff = { after: { name: "Someone else" }, before: null };
    const broken = await verifyOffline(tampered);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`broken at event ${victim.id} (seq 2): hash expected`);

    const dropped = events.filter((event) => event.chainSeq !== 3);
    const gap = await verifyOffline(dropped);
    expect(gap.code).toBe(1);
    expect(gap.out).toContain("(seq 4): prevHash expected");
  });
});
