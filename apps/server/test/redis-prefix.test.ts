import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, createRedis } from "@kyro/platform";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startApp } from "../src/app";
import { loadConfig } from "../src/config";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every key an app wrote under `prefix:`, read straight from Redis. */
async function keysUnder(redisUrl: string, prefix: string): Promise<string[]> {
  const redis = createRedis(redisUrl);
  try {
    return await redis.keys(`${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

describe("KYRO_REDIS_PREFIX", () => {
  it.skipIf(!inject("redisUrl"))(
    "keeps two deployments' throttles apart on one Redis: each counts only under its own prefix",
    async () => {
      const redisUrl = inject("redisUrl");
      const prefixes = [
        `kyro-a-${randomBytes(4).toString("hex")}`,
        `kyro-b-${randomBytes(4).toString("hex")}`,
      ];
      const apps = [];
      for (const prefix of prefixes) {
        const dataDir = mkdtempSync(join(tmpdir(), "kyro-redis-prefix-"));
        dirs.push(dataDir);
        const config = loadConfig({
          REDIS_URL: redisUrl,
          KYRO_REDIS_PREFIX: prefix,
          KYRO_DATA_DIR: dataDir,
          KYRO_SECRET: "p".repeat(32),
          PORT: "0",
        });
        apps.push(await startApp(config, { logger: createLogger({ level: "silent" }), graceMs: 500 }));
      }
      try {
        const [first] = apps;
        const login = await fetch(`${first?.url}/trpc/auth.login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ json: { email: "nobody@example.test", password: "wrong-password-123" } }),
        });
        expect(login.status).toBe(401);
        const [ownKeys, otherKeys] = await Promise.all(prefixes.map((prefix) => keysUnder(redisUrl, prefix)));
        expect(ownKeys?.some((key) => key.startsWith(`${prefixes[0]}:login:`))).toBe(true);
        expect(otherKeys?.filter((key) => key.includes(":login:"))).toEqual([]);
      } finally {
        for (const app of apps) await app.close();
      }
    },
    120_000,
  );
});
