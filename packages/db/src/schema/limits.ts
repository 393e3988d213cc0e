import { sql } from "drizzle-orm";
import { bigint, check, date, index, integer, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { bots } from "./bots";
import { createdAt, id, updatedAt } from "./columns";
import { organizations } from "./organizations";
import { users } from "./users";

/**
 * A platform operator's overrides of an org's limits. A null column means "the configured default";
 * no row means every limit is the default.
 */
export const orgLimits = pgTable(
  "org_limits",
  {
    orgId: uuid()
      .primaryKey()
      .references(() => organizations.id, { onDelete: "cascade" }),
    keyRequestsPerMinute: integer(),
    userRequestsPerMinute: integer(),
    orgRequestsPerMinute: integer(),
    requestsPerDay: integer(),
    messagesPerDay: integer(),
    /** Defaults for every bot of the org (a bot's own override wins). */
    botRequestsPerMinute: integer(),
    botMessagesPerDay: integer(),
    updatedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      "org_limits_positive_check",
      sql`coalesce(${t.keyRequestsPerMinute}, 1) > 0 and coalesce(${t.userRequestsPerMinute}, 1) > 0
        and coalesce(${t.orgRequestsPerMinute}, 1) > 0 and coalesce(${t.requestsPerDay}, 1) > 0
        and coalesce(${t.messagesPerDay}, 1) > 0 and coalesce(${t.botRequestsPerMinute}, 1) > 0
        and coalesce(${t.botMessagesPerDay}, 1) > 0`,
    ),
  ],
);

/** A platform operator's overrides of one bot's limits; null means the org's (or configured) value. */
export const botLimits = pgTable(
  "bot_limits",
  {
    botId: uuid()
      .primaryKey()
      .references(() => bots.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botRequestsPerMinute: integer(),
    botMessagesPerDay: integer(),
    updatedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("bot_limits_org_idx").on(t.orgId),
    check(
      "bot_limits_positive_check",
      sql`coalesce(${t.botRequestsPerMinute}, 1) > 0 and coalesce(${t.botMessagesPerDay}, 1) > 0`,
    ),
  ],
);

/**
 * Usage per org, bot and UTC day, rolled up from in-process counters by batched increments. `bot_id`
 * is null for requests that targeted no bot; the unique key treats that null as one value, so the
 * upsert finds the org-level row. Bots are not a foreign key: usage outlives a purged bot.
 */
export const usageDaily = pgTable(
  "usage_daily",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid(),
    day: date({ mode: "string" }).notNull(),
    requests: bigint({ mode: "number" }).notNull().default(0),
    messages: bigint({ mode: "number" }).notNull().default(0),
    /** Ready for model usage: tokens in and out, and cost in millionths of a US dollar. */
    inputTokens: bigint({ mode: "number" }).notNull().default(0),
    outputTokens: bigint({ mode: "number" }).notNull().default(0),
    costMicros: bigint({ mode: "number" }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("usage_daily_org_bot_day_key").on(t.orgId, t.botId, t.day).nullsNotDistinct(),
    index("usage_daily_org_day_idx").on(t.orgId, t.day),
  ],
);

export const USAGE_ACTOR_KINDS = ["user", "apiKey"] as const;
export type UsageActorKind = (typeof USAGE_ACTOR_KINDS)[number];

/**
 * Requests and messages per org, UTC day and actor — the member (`user`, a user id) or the API key
 * (`apiKey`, a key id) that made them — flushed in the same batches as `usage_daily`.
 *
 * A table of its own rather than actor columns in `usage_daily`'s unique key: actor columns there would
 * split every (org, bot, day) row into one row per actor, so the quota and daily readers would have to
 * sum across them, and each bot row would be written once per actor. Kept apart, `usage_daily` stays
 * one row per bot and day, and this table one row per actor and day. Actors are not foreign keys:
 * usage outlives a removed member or a revoked key.
 */
export const usageDailyActors = pgTable(
  "usage_daily_actors",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    day: date({ mode: "string" }).notNull(),
    actorKind: text().$type<UsageActorKind>().notNull(),
    actorId: uuid().notNull(),
    requests: bigint({ mode: "number" }).notNull().default(0),
    messages: bigint({ mode: "number" }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("usage_daily_actors_org_day_actor_key").on(t.orgId, t.day, t.actorKind, t.actorId),
    index("usage_daily_actors_org_kind_day_idx").on(t.orgId, t.actorKind, t.day),
    check("usage_daily_actors_kind_check", sql`${t.actorKind} in ('user', 'apiKey')`),
  ],
);

export const QUOTA_NAMES = ["requestsPerDay", "messagesPerDay", "botMessagesPerDay"] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];

/**
 * One row per quota warning sent (80 % and 100 %, per quota and UTC day): inserting it first makes the
 * warning happen once across every process.
 */
export const quotaAlerts = pgTable(
  "quota_alerts",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid(),
    quota: text().$type<QuotaName>().notNull(),
    day: date({ mode: "string" }).notNull(),
    threshold: integer().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique("quota_alerts_once_key").on(t.orgId, t.botId, t.quota, t.day, t.threshold).nullsNotDistinct(),
    check(
      "quota_alerts_quota_check",
      sql`${t.quota} in ('requestsPerDay', 'messagesPerDay', 'botMessagesPerDay')`,
    ),
  ],
);
