import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns";
import { organizations } from "./organizations";
import { users } from "./users";

/**
 * API keys of an organization. The secret is shown once at creation or rotation and never stored:
 * `key_hash` is its HMAC-SHA256 under a pepper derived from KYRO_SECRET. After a rotation with a grace
 * period the replaced secret keeps working through `previous_key_hash` until `previous_key_expires_at`.
 * Scopes are validated by the API against its scope table (packages/api/src/policy.ts).
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    keyHash: text().notNull(),
    /** Last four characters of the secret, so people can tell their keys apart. */
    last4: text().notNull(),
    scopes: text().array().notNull(),
    /** Restricts the key to one bot. No foreign key yet: the bots table arrives in a later issue. */
    botId: uuid(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: timestamp({ withTimezone: true }),
    /** Written in batches at most once a minute per key, never per request. */
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    previousKeyHash: text(),
    previousKeyExpiresAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("api_keys_org_idx").on(t.orgId, t.createdAt),
    uniqueIndex("api_keys_hash_key").on(t.keyHash),
    uniqueIndex("api_keys_previous_hash_key")
      .on(t.previousKeyHash)
      .where(sql`${t.previousKeyHash} is not null`),
    check("api_keys_scopes_check", sql`cardinality(${t.scopes}) > 0`),
  ],
);
