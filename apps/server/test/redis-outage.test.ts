import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@kyro/platform";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type AppHandle, startApp } from "../src/app";
import { loadConfig } from "../src/config";

const trpcBody = (json: unknown) => JSON.stringify({ json });
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Embedded database in a fresh directory, so the test needs no Postgres; Redis is what is under test. */
async function start(redisUrl: string): Promise<AppHandle & { url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "kyro-redis-outage-"));
  dirs.push(dataDir);
  const config = loadConfig({
    REDIS_URL: redisUrl,
    KYRO_DATA_DIR: dataDir,
    KYRO_SECRET: "r".repeat(32),
    PORT: "0",
    KYRO_LIMIT_IP_RPM: "3",
  });
  const app = await startApp(config, { logger: createLogger({ level: "silent" }), graceMs: 500 });
  if (!app.url) throw new Error("no HTTP server");
  return { ...app, url: app.url };
}

function closedPort(): Promise<number> {
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

/** A TCP relay to the real Redis that the test can cut, to make Redis unreachable mid-run. */
async function relayTo(target: URL): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(Number(target.port || 6379), target.hostname);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const address = relay.address();
  if (typeof address !== "object" || !address) throw new Error("no relay port");
  return {
    url: `redis://127.0.0.1:${address.port}`,
    cut: () =>
      new Promise((resolve) => {
        relay.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const login = (url: string) =>
  fetch(`${url}/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: trpcBody({ email: "nobody@example.test", password: "wrong-password-1" }),
  });

/** Serves, limits in process (3 anonymous calls a minute per IP here), never answers 500. */
async function expectServedAndLimited(url: string) {
  // The IP limit counts clock-aligned minutes: start with enough of this one left.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 52_000) await new Promise((resolve) => setTimeout(resolve, 60_050 - intoMinute));
  const statuses: number[] = [];
  for (let call = 0; call < 4; call++) statuses.push((await login(url)).status);
  expect(statuses).toEqual([401, 401, 401, 429]);

  const signup = await fetch(`${url}/trpc/auth.signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: trpcBody({
      email: "owner@example.test",
      password: "violet-lantern-harbor-91",
      name: "Owner",
      orgName: "Acme",
    }),
  });
  // The IP budget is spent, so signup is refused too — by the in-process limiter, not with a 500.
  expect(signup.status).toBe(429);

  const ready = await fetch(`${url}/health/ready`);
  expect(ready.status).toBe(503);
  const body = (await ready.json()) as { checks: Record<string, string> };
  expect(body.checks.database).toBe("ok");
  expect(body.checks.redis).toMatch(/^failed/);
  expect((await fetch(`${url}/health`)).status).toBe(200);
}

describe("Redis outage", () => {
  it("starts with Redis down at boot, serves and limits in process, and reports Redis in readiness", async () => {
    const app = await start(`redis://127.0.0.1:${await closedPort()}`);
    try {
      await expectServedAndLimited(app.url);
    } finally {
      await app.close();
    }
  }, 60_000);

  it.skipIf(!inject("redisUrl"))(
    "keeps serving and limiting when Redis goes away mid-run",
    async () => {
      const relay = await relayTo(new URL(inject("redisUrl")));
      const app = await start(relay.url);
      try {
        expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
        expect((await login(app.url)).status).toBe(401);
        await relay.cut();
        await expectServedAndLimited(app.url);
      } finally {
        await app.close();
      }
    },
    60_000,
  );
});
