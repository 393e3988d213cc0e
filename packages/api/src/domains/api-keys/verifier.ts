import { apiKeys, type Executor, eq, or, organizations } from "@kyro/db";
import type { Logger } from "@kyro/platform";
import { createCache } from "../../core/cache";
import type { CacheInvalidation } from "../../core/cache-invalidation";
import type { ApiKeyVerifier } from "../../core/deps";
import { forbidden, unauthorized } from "../../core/errors";
import { ORG_SUSPENDED } from "../../core/org-scope";
import { API_KEY_SCOPES, type ApiKeyScope, effectiveScopes } from "../../core/policy";
import type { ApiKeyPrincipal } from "../../core/principal";
import { hashApiKey, isWellFormedApiKey } from "./key-format";
import { createUsageRecorder } from "./usage";

export const VERIFIER_DEFAULTS = {
  /** How long a looked-up key record is trusted without asking the database again. */
  cacheTtlMs: 30_000,
  /** How long an unknown hash is refused without asking the database again. */
  negativeTtlMs: 10_000,
  /** Bound on the cache of key records and unknown hashes; the least recently used go first. */
  maxEntries: 10_000,
  /** How often pending last-used times are written. */
  flushIntervalMs: 60_000,
};

export interface ApiKeyVerifierOptions extends Partial<typeof VERIFIER_DEFAULTS> {
  db: Executor;
  hmacKey: Buffer;
  logger: Logger;
  /** Carries rotations and revocations (key ids) to every process's cache. */
  invalidation?: CacheInvalidation;
  now?: () => number;
}

/** What the cache keeps per hash; validity is re-checked on every use, cached or not. */
interface KeyRecord {
  principal: ApiKeyPrincipal;
  revokedAt: number | null;
  /** The key's own expiry, or for a replaced secret the earlier of it and the end of the grace period. */
  validUntil: number | null;
  /** The secret was replaced by a rotation and lives on only for the grace period. */
  rotated: boolean;
  /** The key's org is suspended by an operator; suspension drops the org's records (`invalidateOrg`). */
  orgSuspended: boolean;
}

const INVALID = "Invalid API key";

/** One indexed lookup (both hash columns carry a unique index), with the org's suspension by its key. */
export function keyLookupQuery(db: Executor, hash: string) {
  return db
    .select({
      id: apiKeys.id,
      orgId: apiKeys.orgId,
      name: apiKeys.name,
      scopes: apiKeys.scopes,
      botId: apiKeys.botId,
      keyHash: apiKeys.keyHash,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      previousKeyExpiresAt: apiKeys.previousKeyExpiresAt,
      orgSuspendedAt: organizations.suspendedAt,
    })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.orgId))
    .where(or(eq(apiKeys.keyHash, hash), eq(apiKeys.previousKeyHash, hash)))
    .limit(1);
}

type KeyRow = Awaited<ReturnType<typeof keyLookupQuery>>[number];

/** Drops scopes the policy no longer knows, so a retired scope grants nothing. */
const knownScopes = (scopes: readonly string[]): ApiKeyScope[] =>
  scopes.filter((scope): scope is ApiKeyScope => API_KEY_SCOPES.includes(scope as ApiKeyScope));

/**
 * The scopes a stored key acts with: known ones only, and for a bot-restricted key only those that can
 * be confined to its bot (an `admin:org` stored before creation refused it grants nothing).
 */
export const scopesOfKey = (scopes: readonly string[], botId: string | null): ApiKeyScope[] =>
  effectiveScopes(knownScopes(scopes), botId);

function toRecord(row: KeyRow, hash: string): KeyRecord {
  const rotated = row.keyHash !== hash;
  const expiresAt = row.expiresAt?.getTime() ?? null;
  // A replaced hash with no grace end left would be a bug; treat it as already over.
  const graceEnd = rotated ? (row.previousKeyExpiresAt?.getTime() ?? 0) : null;
  const validUntil =
    graceEnd === null ? expiresAt : expiresAt === null ? graceEnd : Math.min(expiresAt, graceEnd);
  return {
    principal: {
      kind: "apiKey",
      keyId: row.id,
      name: row.name,
      orgId: row.orgId,
      scopes: scopesOfKey(row.scopes, row.botId),
      botId: row.botId,
    },
    revokedAt: row.revokedAt?.getTime() ?? null,
    validUntil,
    rotated,
    orgSuspended: row.orgSuspendedAt !== null,
  };
}

/**
 * Verifies presented API keys: shape and checksum first (no I/O), then the HMAC, then an in-process
 * cache of key records by hash (and of unknown hashes), and on a miss one indexed lookup. Revocation,
 * expiry and the rotation grace period are checked on every call, cached or not. Rotate and revoke
 * call `invalidate`, which drops the key here at once and, with Redis, on every other process; the
 * cache TTL bounds staleness should a pub/sub message be lost.
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  const settings = { ...VERIFIER_DEFAULTS, ...options };
  const { db, hmacKey, logger } = options;
  const now = options.now ?? Date.now;
  // Key records by hash, and null for an unknown hash (kept for less); invalidated by key id, or by
  // `org:<orgId>` for all of an org's keys.
  const records = createCache<KeyRecord | null>({
    name: "api-keys",
    ttlMs: settings.cacheTtlMs,
    ttlOf: (record) => (record ? settings.cacheTtlMs : settings.negativeTtlMs),
    maxEntries: settings.maxEntries,
    covers: (topic, _hash, record) =>
      record === undefined ||
      record?.principal.keyId === topic ||
      (record !== null && topic === `org:${record.principal.orgId}`),
    invalidation: options.invalidation,
    now,
  });
  const usage = createUsageRecorder({ db, logger, intervalMs: settings.flushIntervalMs });

  async function lookup(hash: string): Promise<KeyRecord | null> {
    const [row] = await keyLookupQuery(db, hash);
    return row ? toRecord(row, hash) : null;
  }

  let disposed: Promise<void> | undefined;
  return {
    async verify(secret) {
      if (!isWellFormedApiKey(secret)) throw unauthorized(INVALID);
      const hash = hashApiKey(hmacKey, secret);
      const record = await records.get(hash, () => lookup(hash));
      if (!record) throw unauthorized(INVALID);
      const at = now();
      if (record.revokedAt !== null) throw unauthorized("API key has been revoked");
      if (record.orgSuspended) throw forbidden("org_suspended", ORG_SUSPENDED);
      if (record.validUntil !== null && record.validUntil <= at) {
        throw unauthorized(record.rotated ? "API key has been rotated" : "API key has expired");
      }
      usage.record(record.principal.keyId, new Date(at));
      return record.principal;
    },

    invalidate: (keyId) => records.invalidate(keyId),

    invalidateOrg: (orgId) => records.invalidate(`org:${orgId}`),

    flush: () => usage.flush(),

    dispose() {
      disposed ??= usage.dispose();
      return disposed;
    },
  };
}
