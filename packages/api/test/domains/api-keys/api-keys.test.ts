import { apiKeys, eq, sql } from "@kyro/db";
import { hmacSha256 } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_PATTERN } from "../../../src/domains/api-keys/key-format";
import { MAX_GRACE_PERIOD_SECONDS } from "../../../src/domains/api-keys/schemas";
import { auditRows, failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Keys");
  neighbour = await app.seedOrg("Keys Neighbour");
});
afterAll(async () => {
  await app?.close();
});

const admin = () => app.caller(org.admin.accessToken).apiKeys;
const LISTED_FIELDS = [
  "botId",
  "createdAt",
  "createdBy",
  "expiresAt",
  "id",
  "last4",
  "lastUsedAt",
  "name",
  "prefix",
  "revokedAt",
  "scopes",
  "status",
];

async function storedKey(id: string) {
  const [row] = await app.database.db
    .select({
      keyHash: apiKeys.keyHash,
      previousKeyHash: apiKeys.previousKeyHash,
      previousKeyExpiresAt: apiKeys.previousKeyExpiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.id, id));
  return row;
}

async function keyCount(orgId: string): Promise<number> {
  const [row] = await app.database.db
    .select({ count: sql<number>`count(*)::int` })
    .from(apiKeys)
    .where(eq(apiKeys.orgId, orgId));
  return row?.count ?? 0;
}

/** What a caller holding `key` gets from auth.me: the key's id, or the refusal's message. */
async function whoIs(key: string): Promise<string> {
  const call = app.caller(key).auth.me();
  const id = await call.then(
    (me) => (me.kind === "apiKey" ? me.apiKey.id : "user"),
    () => null,
  );
  if (id !== null) return id;
  const failure = await failureOf(call);
  return `${failure.code}: ${failure.message}`;
}

describe("apiKeys.create", () => {
  it("returns the secret once, stores only its HMAC, and audits the name without the secret", async () => {
    const expiresAt = new Date(Date.now() + 86_400_000);
    const created = await admin().create({
      orgId: org.id,
      name: " CI deploy ",
      scopes: ["admin:org", "read:bots"],
      expiresAt,
    });

    expect(created.key).toMatch(new RegExp(`^${API_KEY_PATTERN.source}$`));
    expect(created.apiKey).toEqual({
      id: expect.any(String),
      name: "CI deploy",
      prefix: "kyro_sk_",
      last4: created.key.slice(-4),
      scopes: ["admin:org", "read:bots"],
      botId: null,
      createdBy: { id: org.admin.id, email: org.admin.email },
      createdAt: expect.any(Date),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      status: "active",
    });

    const stored = await storedKey(created.apiKey.id);
    expect(stored?.keyHash).toBe(hmacSha256(app.deps.hmacKeys.apiKey, created.key));
    expect(stored?.keyHash).not.toContain(created.key.slice(8));
    expect(await whoIs(created.key)).toBe(created.apiKey.id);

    const audit = await auditRows(app, { action: "api_key.created", actorId: org.admin.id });
    expect(audit).toEqual([
      expect.objectContaining({
        orgId: org.id,
        actorType: "user",
        resourceType: "api_key",
        resourceId: created.apiKey.id,
        diff: {
          before: null,
          after: {
            name: "CI deploy",
            scopes: ["admin:org", "read:bots"],
            botId: null,
            expiresAt: expiresAt.toISOString(),
            last4: created.key.slice(-4),
          },
        },
      }),
    ]);
    const auditText = JSON.stringify(audit);
    expect(auditText).not.toContain(created.key);
    expect(auditText).not.toContain(stored?.keyHash);
  });

  it("restricts a key to a bot when asked, and the owner may create keys too", async () => {
    const owner = app.caller(org.owner.accessToken);
    const botId = (await owner.bots.create({ orgId: org.id, name: "Keyed" })).bot.id;
    const created = await owner.apiKeys.create({
      orgId: org.id,
      name: "widget",
      scopes: ["read:bots"],
      botId,
    });
    expect(created.apiKey).toMatchObject({ botId, createdBy: { id: org.owner.id } });
    const me = await app.caller(created.key).auth.me();
    expect(me).toMatchObject({ kind: "apiKey", apiKey: { botId, scopes: ["read:bots"] } });
  });

  it.each([
    ["no scopes", { scopes: [] }],
    ["a repeated scope", { scopes: ["admin:org", "admin:org"] }],
    ["an unknown scope", { scopes: ["admin:everything"] }],
    ["an expiry in the past", { scopes: ["admin:org"], expiresAt: new Date(Date.now() - 1000) }],
    ["an empty name", { scopes: ["admin:org"], name: "   " }],
    ["a bot id that is not a uuid", { scopes: ["admin:org"], botId: "bot-1" }],
  ])("refuses %s with BAD_REQUEST and writes nothing", async (_label, overrides) => {
    const before = await keyCount(org.id);
    const failure = await failureOf(admin().create({ orgId: org.id, name: "bad", ...overrides } as never));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(await keyCount(org.id)).toBe(before);
  });
});

describe("apiKeys.list", () => {
  it("shows prefix, last 4 and status of this org's keys and never a secret or hash", async () => {
    const own = await admin().create({ orgId: org.id, name: "listed", scopes: ["admin:org"] });
    const expired = await app.seedApiKey(org.id, {
      scopes: ["read:analytics"],
      name: "old",
      expiresAt: new Date(Date.now() - 60_000),
    });
    const revoked = await app.seedApiKey(org.id, { scopes: ["admin:org"], name: "gone" });
    await admin().revoke({ orgId: org.id, keyId: revoked.id });
    const foreign = await app.seedApiKey(neighbour.id, { scopes: ["admin:org"], name: "foreign" });

    await app.caller(own.key).auth.me();
    await app.deps.apiKeys.flush();
    const { items } = await admin().list({ orgId: org.id, limit: 100 });

    for (const item of items) expect(Object.keys(item).sort()).toEqual(LISTED_FIELDS);
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(byId.has(foreign.id)).toBe(false);
    expect(byId.get(own.apiKey.id)).toMatchObject({
      status: "active",
      prefix: "kyro_sk_",
      last4: own.key.slice(-4),
      createdBy: { id: org.admin.id, email: org.admin.email },
      lastUsedAt: expect.any(Date),
    });
    expect(byId.get(expired.id)).toMatchObject({ status: "expired", createdBy: null, lastUsedAt: null });
    expect(byId.get(revoked.id)).toMatchObject({ status: "revoked", revokedAt: expect.any(Date) });

    const text = JSON.stringify(items);
    for (const secret of [own.key, expired.key, revoked.key]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hmacSha256(app.deps.hmacKeys.apiKey, secret));
    }
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });

  it("pages newest first with the common cursor and limit", async () => {
    const all = await admin().list({ orgId: org.id, limit: 100 });
    expect(all.items.length).toBeGreaterThanOrEqual(3);
    expect(all.nextCursor).toBeNull();
    const first = await admin().list({ orgId: org.id, limit: 2 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await admin().list({ orgId: org.id, limit: 2, cursor: first.nextCursor ?? undefined });
    expect([...first.items, ...second.items].map((item) => item.id)).toEqual(
      all.items.slice(0, first.items.length + second.items.length).map((item) => item.id),
    );
  });
});

describe("apiKeys.rotate", () => {
  it("without a grace period: a new secret works and the old one stops at once", async () => {
    const created = await admin().create({ orgId: org.id, name: "rotate-now", scopes: ["admin:org"] });
    expect(await whoIs(created.key)).toBe(created.apiKey.id);

    const rotated = await admin().rotate({ orgId: org.id, keyId: created.apiKey.id });
    expect(rotated.key).not.toBe(created.key);
    expect(rotated.apiKey).toMatchObject({
      id: created.apiKey.id,
      last4: rotated.key.slice(-4),
      status: "active",
    });
    expect(await whoIs(rotated.key)).toBe(created.apiKey.id);
    expect(await whoIs(created.key)).toBe("UNAUTHORIZED: Invalid API key");
    expect(await storedKey(created.apiKey.id)).toMatchObject({
      previousKeyHash: null,
      previousKeyExpiresAt: null,
    });

    const audit = await auditRows(app, { action: "api_key.rotated", actorId: org.admin.id });
    const event = audit.find((row) => row.resourceId === created.apiKey.id);
    expect(event?.diff?.after).toMatchObject({ name: "rotate-now", gracePeriodSeconds: 0 });
    expect(JSON.stringify(event)).not.toContain(rotated.key);
  });

  it("with a grace period: the old secret works until the grace ends, then not", async () => {
    const created = await admin().create({ orgId: org.id, name: "rotate-grace", scopes: ["admin:org"] });
    const started = Date.now();
    const rotated = await admin().rotate({
      orgId: org.id,
      keyId: created.apiKey.id,
      gracePeriodSeconds: 3600,
    });

    expect(await whoIs(created.key)).toBe(created.apiKey.id);
    expect(await whoIs(rotated.key)).toBe(created.apiKey.id);
    const stored = await storedKey(created.apiKey.id);
    expect(stored?.previousKeyHash).toBe(hmacSha256(app.deps.hmacKeys.apiKey, created.key));
    expect(stored?.previousKeyExpiresAt?.getTime()).toBeGreaterThanOrEqual(started + 3_600_000);

    // The grace period ends (simulated in the database; the cache is dropped as a rotation would).
    await app.database.db
      .update(apiKeys)
      .set({ previousKeyExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, created.apiKey.id));
    await app.deps.apiKeys.invalidate(created.apiKey.id);

    expect(await whoIs(created.key)).toBe("UNAUTHORIZED: API key has been rotated");
    expect(await whoIs(rotated.key)).toBe(created.apiKey.id);
  });

  it("keeps only one previous secret: a second rotation ends the first one's grace at once", async () => {
    const created = await admin().create({ orgId: org.id, name: "rotate-twice", scopes: ["admin:org"] });
    const first = await admin().rotate({ orgId: org.id, keyId: created.apiKey.id, gracePeriodSeconds: 600 });
    const second = await admin().rotate({ orgId: org.id, keyId: created.apiKey.id, gracePeriodSeconds: 600 });
    expect(await whoIs(created.key)).toBe("UNAUTHORIZED: Invalid API key");
    expect(await whoIs(first.key)).toBe(created.apiKey.id);
    expect(await whoIs(second.key)).toBe(created.apiKey.id);
  });

  it("refuses a grace period outside 0..7 days and a revoked key", async () => {
    const created = await admin().create({ orgId: org.id, name: "rotate-bad", scopes: ["admin:org"] });
    for (const gracePeriodSeconds of [-1, MAX_GRACE_PERIOD_SECONDS + 1, 1.5]) {
      const failure = await failureOf(
        admin().rotate({ orgId: org.id, keyId: created.apiKey.id, gracePeriodSeconds }),
      );
      expect(failure.code, String(gracePeriodSeconds)).toBe("BAD_REQUEST");
    }
    expect(await whoIs(created.key)).toBe(created.apiKey.id);
    await admin().rotate({
      orgId: org.id,
      keyId: created.apiKey.id,
      gracePeriodSeconds: MAX_GRACE_PERIOD_SECONDS,
    });

    await admin().revoke({ orgId: org.id, keyId: created.apiKey.id });
    expect((await failureOf(admin().rotate({ orgId: org.id, keyId: created.apiKey.id }))).code).toBe(
      "CONFLICT",
    );
  });
});

describe("apiKeys.revoke", () => {
  it("cuts the key (and a secret still in its grace period) at once, audited once", async () => {
    const created = await admin().create({ orgId: org.id, name: "revoke-me", scopes: ["admin:org"] });
    const rotated = await admin().rotate({
      orgId: org.id,
      keyId: created.apiKey.id,
      gracePeriodSeconds: 600,
    });
    expect(await whoIs(created.key)).toBe(created.apiKey.id);
    expect(await whoIs(rotated.key)).toBe(created.apiKey.id);

    const { apiKey } = await admin().revoke({ orgId: org.id, keyId: created.apiKey.id });
    expect(apiKey).toMatchObject({ id: created.apiKey.id, status: "revoked", revokedAt: expect.any(Date) });
    expect(await whoIs(rotated.key)).toBe("UNAUTHORIZED: API key has been revoked");
    expect(await whoIs(created.key)).toBe("UNAUTHORIZED: Invalid API key");

    const again = await admin().revoke({ orgId: org.id, keyId: created.apiKey.id });
    expect(again.apiKey.revokedAt).toEqual(apiKey.revokedAt);
    const audit = (await auditRows(app, { action: "api_key.revoked", actorId: org.admin.id })).filter(
      (row) => row.resourceId === created.apiKey.id,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.diff?.after).toMatchObject({ name: "revoke-me" });
  });
});

describe("tenancy and roles", () => {
  it("answers NOT_FOUND for another org's key id and for an unknown one, and changes nothing", async () => {
    const theirs = await app.seedApiKey(neighbour.id, { scopes: ["admin:org"] });
    const mine = app.caller(org.owner.accessToken).apiKeys;
    for (const keyId of [theirs.id, "0190a0b0-0000-7000-8000-00000000dead"]) {
      expect((await failureOf(mine.rotate({ orgId: org.id, keyId }))).code).toBe("NOT_FOUND");
      expect((await failureOf(mine.revoke({ orgId: org.id, keyId }))).code).toBe("NOT_FOUND");
    }
    expect(await storedKey(theirs.id)).toMatchObject({
      keyHash: hmacSha256(app.deps.hmacKeys.apiKey, theirs.key),
      revokedAt: null,
    });
    expect(await whoIs(theirs.key)).toBe(theirs.id);
  });

  it("answers NOT_FOUND to a member of another org naming this org", async () => {
    const outsider = app.caller(neighbour.owner.accessToken).apiKeys;
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const calls = [
      () => outsider.list({ orgId: org.id }),
      () => outsider.create({ orgId: org.id, name: "x", scopes: ["admin:org"] }),
      () => outsider.rotate({ orgId: org.id, keyId: key.id }),
      () => outsider.revoke({ orgId: org.id, keyId: key.id }),
    ];
    for (const call of calls) expect((await failureOf(call())).code).toBe("NOT_FOUND");
  });

  it("answers FORBIDDEN to agents and viewers", async () => {
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    for (const member of [org.agent, org.viewer]) {
      const keys = app.caller(member.accessToken).apiKeys;
      const calls = [
        () => keys.list({ orgId: org.id }),
        () => keys.create({ orgId: org.id, name: "x", scopes: ["admin:org"] }),
        () => keys.rotate({ orgId: org.id, keyId: key.id }),
        () => keys.revoke({ orgId: org.id, keyId: key.id }),
      ];
      for (const call of calls) expect((await failureOf(call())).code).toBe("FORBIDDEN");
    }
    expect(await whoIs(key.key)).toBe(key.id);
  });

  it("answers FORBIDDEN to any API key, even one with every scope: keys cannot manage keys", async () => {
    const key = await app.seedApiKey(org.id, {
      scopes: ["read:bots", "write:bots", "run:actions", "read:analytics", "admin:org"],
    });
    const keys = app.caller(key.key).apiKeys;
    const calls = [
      () => keys.list({ orgId: org.id }),
      () => keys.create({ orgId: org.id, name: "minted", scopes: ["admin:org"] }),
      () => keys.rotate({ orgId: org.id, keyId: key.id }),
      () => keys.revoke({ orgId: org.id, keyId: key.id }),
    ];
    for (const call of calls) expect((await failureOf(call())).code).toBe("FORBIDDEN");
    expect(await whoIs(key.key)).toBe(key.id);
  });

  it("answers UNAUTHORIZED without credentials", async () => {
    const keys = app.caller().apiKeys;
    const calls = [
      () => keys.list({ orgId: org.id }),
      () => keys.create({ orgId: org.id, name: "x", scopes: ["admin:org"] }),
      () => keys.rotate({ orgId: org.id, keyId: org.id }),
      () => keys.revoke({ orgId: org.id, keyId: org.id }),
    ];
    for (const call of calls) expect((await failureOf(call())).code).toBe("UNAUTHORIZED");
  });
});
