import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWebhookSink, type WebhookSink } from "@kyro/api/testing/webhooks-sink";
import postgres from "postgres";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, inject, it } from "vitest";
import { signUpThroughMailFile } from "./signup-over-http";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** The compiled server, as production runs it (the suite's global setup builds it when stale). */
const MAIN = "apps/server/dist/main.js";

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startProcess(role: "all" | "worker", env: Record<string, string>): Started {
  const child = spawn(process.execPath, [MAIN, role], {
    cwd: ROOT,
    env: { PATH: dirname(process.execPath), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A tRPC mutation over HTTP (superjson wire format), as the SDK sends it. */
async function mutate<T>(base: string, path: string, input: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ json: input }),
  });
  const body = (await response.json()) as { result?: { data: { json: T } } };
  if (!response.ok || !body.result) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body.result.data.json;
}

const cleanups: (() => Promise<void> | void)[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * A data dir of its own (the embedded database, and the mail the server writes without SMTP_URL) and,
 * on Postgres, an empty database of its own (the process migrates it).
 */
async function databaseEnv(dataDir: string): Promise<Record<string, string>> {
  const url = inject("databaseUrl");
  if (!url) return { KYRO_DATA_DIR: dataDir };
  const name = `kyro_webhooks_${randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  cleanups.push(async () => {
    const dropper = postgres(url, { max: 1, onnotice: () => {} });
    await dropper.unsafe(`drop database if exists "${name}" with (force)`).finally(() => dropper.end());
  });
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return { KYRO_DATA_DIR: dataDir, DATABASE_URL: parsed.toString() };
}

/**
 * Signs up over HTTP and follows the verification link in the mail file the server wrote (in the
 * background, after answering: hence the wait).
 */

describe("webhook delivery across a restart", () => {
  it("delivers an event that was failing when the process stopped, with the same webhook-id", async () => {
    const sink: WebhookSink = await startWebhookSink();
    cleanups.push(() => sink.close());
    sink.reply = () => ({ status: 503, body: "down for maintenance" });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const dataDir = mkdtempSync(join(tmpdir(), "kyro-webhooks-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = {
      ...(await databaseEnv(dataDir)),
      KYRO_SECRET: randomBytes(32).toString("hex"),
      PORT: String(port),
      LOG_LEVEL: "warn",
      KYRO_OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8",
      KYRO_WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 30 }, () => "1").join(","),
    };

    const first = startProcess("all", env);
    children.push(first.child);
    await until(async () => {
      if (first.child.exitCode !== null) throw new Error(`server exited early:\n${first.output()}`);
      return fetch(`${base}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
    }, "the first process to be ready");
    const accessToken = await signUpThroughMailFile(base, dataDir, "resilience@example.test");
    const { org } = await mutate<{ org: { id: string } }>(
      base,
      "orgs.create",
      { name: "Resilience" },
      accessToken,
    );
    const { secret } = await mutate<{ secret: string }>(
      base,
      "webhooks.endpoints.create",
      { orgId: org.id, url: sink.url, eventTypes: ["org.updated"] },
      accessToken,
    );
    sink.trust(secret);
    await mutate(base, "orgs.update", { orgId: org.id, name: "Resilience renamed" }, accessToken);

    // The delivery is failing and being retried when the process is told to stop.
    await sink.waitFor(2, 30_000);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const failedAttempts = sink.received.length;
    sink.reply = () => ({ status: 200, body: "ok" });

    const second = startProcess("worker", env);
    children.push(second.child);
    await until(() => {
      if (second.child.exitCode !== null) throw new Error(`worker exited early:\n${second.output()}`);
      return sink.received.length > failedAttempts;
    }, "the restarted worker to deliver");
    // Nothing more arrives once it succeeded.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    expect(sink.received).toHaveLength(failedAttempts + 1);
    const ids = new Set(sink.received.map((request) => request.signed["webhook-id"]));
    expect(ids.size).toBe(1);
    const delivered = sink.received.at(-1);
    if (!delivered) throw new Error("nothing delivered");
    const payload = new Webhook(secret).verify(delivered.body, delivered.signed);
    expect(payload).toMatchObject({
      type: "org.updated",
      data: { orgId: org.id, name: "Resilience renamed" },
    });
  }, 180_000);
});
