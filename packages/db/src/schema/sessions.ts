import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns";
import { organizations } from "./organizations";
import { users } from "./users";

/** One login session: every refresh token minted from one login belongs to one family. */
export const refreshTokenFamilies = pgTable(
  "refresh_token_families",
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The organization the session is switched to (auth.switchOrg); null until one is chosen. */
    activeOrgId: uuid().references(() => organizations.id, { onDelete: "set null" }),
    ip: text(),
    userAgent: text(),
    createdAt: createdAt(),
    lastUsedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    revokedReason: text(),
  },
  (t) => [index("refresh_token_families_user_idx").on(t.userId).where(sql`${t.revokedAt} is null`)],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: id(),
    familyId: uuid()
      .notNull()
      .references(() => refreshTokenFamilies.id, { onDelete: "cascade" }),
    /** HMAC-SHA256 of the opaque token; the token itself is never stored. */
    tokenHash: text().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    /** Set when the token is exchanged; presenting it again is reuse and revokes the family. */
    rotatedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_key").on(t.tokenHash),
    index("refresh_tokens_family_idx").on(t.familyId),
  ],
);
