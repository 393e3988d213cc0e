import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns";

export const users = pgTable(
  "users",
  {
    id: id(),
    /** Always stored trimmed and lower-cased; see normalizeEmail in the auth domain. */
    email: text().notNull(),
    name: text().notNull().default(""),
    passwordHash: text().notNull(),
    /**
     * When the owner proved control of `email` (a verification or password-reset link). Null until then:
     * an unverified account cannot sign in, accept invitations or hold platform-operator rights.
     */
    emailVerifiedAt: timestamp({ withTimezone: true }),
    passwordChangedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Set by a platform operator (admin.users.disable): sign-in is refused and sessions are ended. */
    disabledAt: timestamp({ withTimezone: true }),
    disabledReason: text(),
    /** The last successful sign-in (password or verification link); null before the first. */
    lastLoginAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const USER_TOKEN_PURPOSES = ["verify_email", "reset_password"] as const;
export type UserTokenPurpose = (typeof USER_TOKEN_PURPOSES)[number];

/**
 * Single-use links sent by mail (email verification, password reset). Only an HMAC of the token is
 * stored; `email` is the address the link went to, so a link stops working if the address changes.
 */
export const userTokens = pgTable(
  "user_tokens",
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text().$type<UserTokenPurpose>().notNull(),
    tokenHash: text().notNull(),
    email: text().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("user_tokens_hash_key").on(t.tokenHash),
    index("user_tokens_user_idx").on(t.userId, t.purpose),
    check("user_tokens_purpose_check", sql`${t.purpose} in ('verify_email', 'reset_password')`),
  ],
);
