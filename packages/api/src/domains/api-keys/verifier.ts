import { apiKeys, type Executor, eq, or } from "@kyro/db";
import type { Logger, Redis } from "@kyro/platform";
import type { ApiKeyVerifier } from "../../core/deps";
import { unauthorized } from "../../core/errors";
import { API_KEY_SCOPES, type ApiKeyScope, effectiveScopes } from "../../core/policy";
import type { ApiKeyPrincipal } from "../../core/principal";
import { hashApiKey, isWellFormedApiKey } from "./key-format";
import { createUsageRecorder } from "./usage";

export const VERIFIER_DEFAULTS = {
  /** How long a looked-up key record is trusted without asking the database again. */
  cacheTtlMs: 30_000,
  /** How long an unknown hash is refused without asking the database again. */
  negativeTtlMs: 10_000,
  /** Bound on each of the two caches; the oldest entries go first. */
  maxEntries: 10_000,
  /** How often pending last-used times are written. */
  flushIntervalMs: 60_000,
};

export interface ApiKeyVerifierOptions extends Partial<typeof VERIFIER_DEFAULTS> {
  db: Executor;
  hmacKey: Buffer;
  logger: Logger;
  /** With Redis, rotations and revocations reach every process's cache over pub/sub. */
  redis?: Redis;
  /** The pub/sub channel carrying ids of keys to drop from every cache. */
  invalidationChannel: string;
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
}

const INVALID = "Invalid API key";

/** One indexed lookup: both hash columns carry a unique index. */
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
    })
    .from(apiKeys)
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
  };
}

/**
 * Insertion-ordered map with a per-entry deadline and a size bound (the oldest entry is evicted).
 * Hand-written rather than lru-cache: expiry must follow the verifier's injectable clock (tests move
 * time), and invalidation needs a delete-by-key-id scan — a dozen lines, not a dependency.
 */
class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly max: number) {}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, until: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until });
  }

  deleteWhere(test: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (test(entry.value)) this.entries.delete(key);
  }
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
  const { db, hmacKey, logger, redis, invalidationChannel } = options;
  const now = options.now ?? Date.now;
  const known = new ExpiringMap<KeyRecord>(settings.maxEntries);
  const unknown = new ExpiringMap<true>(settings.maxEntries);
  const usage = createUsageRecorder({ db, logger, intervalMs: settings.flushIntervalMs });
  // Bumped by every invalidation: a lookup that started before one must not cache what it read.
  let generation = 0;

  const dropKey = (keyId: string) => {
    generation++;
    known.deleteWhere((record) => record.principal.keyId === keyId);
  };

  const subscriber = redis?.duplicate();
  if (subscriber) {
    subscriber.on("error", (error: unknown) =>
      logger.warn({ err: error }, "api key invalidation subscriber"),
    );
    subscriber.on("message", (channel: string, keyId: string) => {
      if (channel === invalidationChannel) dropKey(keyId);
    });
    subscriber.subscribe(invalidationChannel).catch((error: unknown) => {
      logger.error({ err: error }, "api key invalidation subscribe failed");
    });
  }

  async function lookup(hash: string): Promise<KeyRecord | null> {
    const started = generation;
    const [row] = await keyLookupQuery(db, hash);
    const at = now();
    if (!row) {
      unknown.set(hash, true, at + settings.negativeTtlMs);
      return null;
    }
    const record = toRecord(row, hash);
    if (generation === started) known.set(hash, record, at + settings.cacheTtlMs);
    return record;
  }

  let disposed: Promise<void> | undefined;
  return {
    async verify(secret) {
      if (!isWellFormedApiKey(secret)) throw unauthorized(INVALID);
      const hash = hashApiKey(hmacKey, secret);
      const record = known.get(hash, now()) ?? (unknown.get(hash, now()) ? null : await lookup(hash));
      if (!record) throw unauthorized(INVALID);
      const at = now();
      if (record.revokedAt !== null) throw unauthorized("API key has been revoked");
      if (record.validUntil !== null && record.validUntil <= at) {
        throw unauthorized(record.rotated ? "API key has been rotated" : "API key has expired");
      }
      usage.record(record.principal.keyId, new Date(at));
      return record.principal;
    },

    async invalidate(keyId) {
      dropKey(keyId);
      if (!redis) return;
      try {
        await redis.publish(invalidationChannel, keyId);
      } catch (error) {
        logger.error(
          { err: error, keyId },
          "api key invalidation publish failed; other processes catch up by TTL",
        );
      }
    },

    flush: () => usage.flush(),

    dispose() {
      disposed ??= (async () => {
        subscriber?.disconnect();
        await usage.dispose();
      })();
      return disposed;
    },
  };
}
