import { apiKeys, type Database, eq, sql } from "@kyro/db";
import { createLogger } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createContext, createRuntime } from "../../../src/core/context";
import type { ApiKeyVerifier } from "../../../src/core/deps";
import { createCallerFactory } from "../../../src/core/trpc";
import {
  API_KEY_LENGTH,
  API_KEY_PATTERN,
  generateApiKey,
  isWellFormedApiKey,
} from "../../../src/domains/api-keys/key-format";
import {
  createApiKeyVerifier,
  keyLookupQuery,
  VERIFIER_DEFAULTS,
} from "../../../src/domains/api-keys/verifier";
import { appRouter } from "../../../src/root";
import { buildDeps } from "../../../src/wiring";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

const silent = createLogger({ level: "silent" });
const opened: ApiKeyVerifier[] = [];
let app: TestApp;
let org: SeededOrg;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Verifier");
});
afterAll(async () => {
  for (const verifier of opened) await verifier.dispose();
  await app?.close();
});

/** The real database, with a count of the statements each entry point starts. */
function countingDb(db: Database) {
  const calls = { select: 0, execute: 0 };
  const proxy = new Proxy(db, {
    get(target, property) {
      if (property === "select" || property === "execute") calls[property]++;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: proxy, calls };
}

/** A verifier over the app's database and pepper, with a clock the test moves. */
function verifierOver(db: Database, options: Partial<typeof VERIFIER_DEFAULTS> = {}) {
  let clock = Date.now();
  const verifier = createApiKeyVerifier({
    db,
    hmacKey: app.deps.hmacKeys.apiKey,
    logger: silent,
    now: () => clock,
    ...options,
  });
  opened.push(verifier);
  return {
    verifier,
    advance(ms: number) {
      clock += ms;
    },
  };
}

async function refusal(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => new Error("expected a refusal"),
    (failure: unknown) => failure,
  );
  return error instanceof Error
    ? `${(error as { code?: string }).code ?? "?"}: ${error.message}`
    : String(error);
}

describe("key format", () => {
  it("is the prefix, 43 base62 characters of randomness and a 6-character checksum", () => {
    expect(API_KEY_PATTERN.source).toBe("\\bkyro_sk_[0-9A-Za-z]{43}[0-9A-Za-z]{6}\\b");
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    for (const key of keys) {
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(API_KEY_LENGTH).toBe(57);
      expect(isWellFormedApiKey(key)).toBe(true);
      expect(API_KEY_PATTERN.exec(`export KYRO_KEY="${key}";`)?.[0]).toBe(key);
    }
  });

  it("refuses every single-character change, and wrong prefixes or lengths", () => {
    const key = generateApiKey();
    for (let at = 0; at < key.length; at++) {
      const original = key.charAt(at);
      const replacement = original === "Z" ? "Y" : "Z";
      expect(
        isWellFormedApiKey(`${key.slice(0, at)}${replacement}${key.slice(at + 1)}`),
        `position ${at}`,
      ).toBe(false);
    }
    for (const candidate of [
      key.slice(0, -1),
      `${key}a`,
      key.replace("kyro_sk_", "kyro_pk_"),
      key.toUpperCase(),
    ]) {
      expect(isWellFormedApiKey(candidate), candidate).toBe(false);
    }
  });
});

describe("refusal before any database lookup", () => {
  it("refuses a bad checksum on a database that fails on any use, which a well-formed key does reach", async () => {
    const noDatabase = new Proxy({} as Database, {
      get() {
        throw new Error("database touched");
      },
    });
    const deps = buildDeps({
      db: noDatabase,
      logger: silent,
      mailer: { async send() {}, close() {} },
      secret: "refusal-test-secret",
    });
    try {
      const valid = generateApiKey();
      const tampered = `${valid.slice(0, 30)}${valid.charAt(30) === "0" ? "1" : "0"}${valid.slice(31)}`;
      const caller = createCallerFactory(appRouter)(
        createContext({
          runtime: createRuntime(deps),
          request: { requestId: "r", ip: "127.0.0.1", userAgent: null, origin: null },
          authorization: `Bearer ${tampered}`,
        }),
      );
      expect(await failureOf(caller.auth.me())).toMatchObject({
        code: "UNAUTHORIZED",
        message: "Invalid API key",
      });
      expect(await refusal(deps.apiKeys.verify(tampered))).toBe("UNAUTHORIZED: Invalid API key");
      expect(await refusal(deps.apiKeys.verify(valid))).toBe("?: database touched");
    } finally {
      await deps.dispose();
    }
  });
});

describe("verification cache", () => {
  it("looks a known key up once per TTL (30 s), again once it has passed", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const { db, calls } = countingDb(app.database.db);
    const { verifier, advance } = verifierOver(db);
    for (let i = 0; i < 5; i++) expect((await verifier.verify(key.key)).keyId).toBe(key.id);
    expect(calls.select).toBe(1);
    advance(VERIFIER_DEFAULTS.cacheTtlMs);
    await verifier.verify(key.key);
    expect(calls.select).toBe(1);
    advance(1);
    await verifier.verify(key.key);
    expect(calls.select).toBe(2);
  });

  it("remembers an unknown key for 10 s", async () => {
    const { db, calls } = countingDb(app.database.db);
    const { verifier, advance } = verifierOver(db);
    const unknown = generateApiKey();
    for (let i = 0; i < 3; i++)
      expect(await refusal(verifier.verify(unknown))).toBe("UNAUTHORIZED: Invalid API key");
    expect(calls.select).toBe(1);
    advance(VERIFIER_DEFAULTS.negativeTtlMs + 1);
    await refusal(verifier.verify(unknown));
    expect(calls.select).toBe(2);
  });

  it("checks expiry and the rotation grace period on cache hits too", async () => {
    const expiring = await app.seedApiKey(org.id, {
      scopes: ["admin:org"],
      expiresAt: new Date(Date.now() + 60_000),
    });
    const rotating = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const rotated = await app
      .caller(org.admin.accessToken)
      .apiKeys.rotate({ orgId: org.id, keyId: rotating.id, gracePeriodSeconds: 60 });

    const { db, calls } = countingDb(app.database.db);
    const { verifier, advance } = verifierOver(db, { cacheTtlMs: 3_600_000 });
    for (const secret of [expiring.key, rotating.key, rotated.key]) await verifier.verify(secret);
    expect(calls.select).toBe(3);

    advance(61_000);
    expect(await refusal(verifier.verify(expiring.key))).toBe("UNAUTHORIZED: API key has expired");
    expect(await refusal(verifier.verify(rotating.key))).toBe("UNAUTHORIZED: API key has been rotated");
    expect((await verifier.verify(rotated.key)).keyId).toBe(rotating.id);
    expect(calls.select).toBe(3);
  });

  it("drops a key's cached record on invalidate", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const { db, calls } = countingDb(app.database.db);
    const { verifier } = verifierOver(db);
    await verifier.verify(key.key);
    await app.database.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, key.id));
    expect((await verifier.verify(key.key)).keyId).toBe(key.id);

    await verifier.invalidate(key.id);
    expect(await refusal(verifier.verify(key.key))).toBe("UNAUTHORIZED: API key has been revoked");
    expect(calls.select).toBe(2);
  });

  it("keeps at most maxEntries records, evicting the oldest", async () => {
    const keys = await Promise.all([1, 2, 3].map(() => app.seedApiKey(org.id, { scopes: ["admin:org"] })));
    const { db, calls } = countingDb(app.database.db);
    const { verifier } = verifierOver(db, { maxEntries: 2 });
    for (const key of keys) await verifier.verify(key.key);
    await verifier.verify(keys[2]?.key ?? "");
    expect(calls.select).toBe(3);
    await verifier.verify(keys[0]?.key ?? "");
    expect(calls.select).toBe(4);
  });

  it("looks up by either hash through their indexes, never a sequential scan", async () => {
    const plan = await app.database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const result = await tx.execute(sql`explain ${keyLookupQuery(tx, "0".repeat(64))}`);
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<
        string,
        string
      >[];
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    expect(plan).not.toContain("Seq Scan");
    expect(plan).toContain("api_keys_hash_key");
    expect(plan).toContain("api_keys_previous_hash_key");
  });
});

describe("last_used_at", () => {
  it("is written only on flush, not per request, with the latest use", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const lastUsed = async () =>
      (
        await app.database.db
          .select({ lastUsedAt: apiKeys.lastUsedAt })
          .from(apiKeys)
          .where(eq(apiKeys.id, key.id))
      )[0]?.lastUsedAt;

    const started = Date.now();
    for (let i = 0; i < 10; i++) await app.caller(key.key).orgs.get({ orgId: org.id });
    const finished = Date.now();
    expect(await lastUsed()).toBeNull();

    await app.deps.apiKeys.flush();
    const written = await lastUsed();
    expect(written?.getTime()).toBeGreaterThanOrEqual(started);
    expect(written?.getTime()).toBeLessThanOrEqual(finished);
  });

  it("writes all pending keys in one statement, and nothing when none were used", async () => {
    const keys = await Promise.all([1, 2].map(() => app.seedApiKey(org.id, { scopes: ["admin:org"] })));
    const { db, calls } = countingDb(app.database.db);
    const { verifier, advance } = verifierOver(db);
    for (let i = 0; i < 20; i++) {
      for (const key of keys) await verifier.verify(key.key);
      advance(100);
    }
    expect(calls.execute).toBe(0);

    await verifier.flush();
    expect(calls.execute).toBe(1);
    const rows = await app.database.db
      .select({ id: apiKeys.id, lastUsedAt: apiKeys.lastUsedAt })
      .from(apiKeys)
      .where(
        sql`${apiKeys.id} in (${sql.join(
          keys.map((key) => sql`${key.id}::uuid`),
          sql`, `,
        )})`,
      );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.lastUsedAt).toBeInstanceOf(Date);

    await verifier.flush();
    expect(calls.execute).toBe(1);
  });
});

describe("across processes", () => {
  it.skipIf(!inject("redisUrl"))(
    "a revocation reaches another process's cache over Redis pub/sub",
    async () => {
      const other = await app.peer();
      const key = await app.seedApiKey(org.id, { scopes: ["admin:org"], name: "shared" });
      const nameSeenBy = async (caller: TestApp["caller"]) => {
        const me = await caller(key.key).auth.me();
        return me.kind === "apiKey" ? me.apiKey.name : null;
      };
      expect(await nameSeenBy(other.caller)).toBe("shared");
      // A rename behind the caches' backs shows the other process answers from its cache.
      await app.database.db.update(apiKeys).set({ name: "renamed" }).where(eq(apiKeys.id, key.id));
      expect(await nameSeenBy(other.caller)).toBe("shared");

      await app.caller(org.admin.accessToken).apiKeys.revoke({ orgId: org.id, keyId: key.id });
      expect((await failureOf(app.caller(key.key).auth.me())).code).toBe("UNAUTHORIZED");

      const deadline = Date.now() + 2_000;
      let outcome = "still accepted";
      while (outcome === "still accepted" && Date.now() < deadline) {
        outcome = await other
          .caller(key.key)
          .auth.me()
          .then(
            () => "still accepted",
            (error: Error) => error.message,
          );
        if (outcome === "still accepted") await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(outcome).toBe("API key has been revoked");
    },
  );
});
