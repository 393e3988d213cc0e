import { sql } from "drizzle-orm";
import {
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns";
import { organizations } from "./organizations";
import { users } from "./users";

export const BOT_STATUSES = ["draft", "active", "paused"] as const;
export type BotStatus = (typeof BOT_STATUSES)[number];

/**
 * A bot of an organization. Its editable configuration lives in `config` (validated by the API's
 * bot-config schema); `publish` snapshots it into `bot_versions`. Deleting is soft: `deleted_at` is set
 * and a job purges the row 30 days later.
 */
export const bots = pgTable(
  "bots",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    description: text().notNull().default(""),
    status: text().$type<BotStatus>().notNull().default("draft"),
    config: jsonb().$type<Record<string, unknown>>().notNull(),
    /** Built-in template the bot was created from, if any. */
    templateId: text(),
    /** Key for end-user identity hashes: userHash = HMAC-SHA256(userId, this secret). Never listed. */
    identitySecret: text().notNull(),
    /** The published version visitors talk to; null until the first publish. */
    currentVersionId: uuid(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("bots_org_idx").on(t.orgId, t.createdAt),
    index("bots_deleted_idx").on(t.deletedAt).where(sql`${t.deletedAt} is not null`),
    check("bots_status_check", sql`${t.status} in ('draft', 'active', 'paused')`),
  ],
);

/** Immutable snapshots of a bot's configuration, numbered per bot. */
export const botVersions = pgTable(
  "bot_versions",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    version: integer().notNull(),
    name: text().notNull(),
    config: jsonb().$type<Record<string, unknown>>().notNull(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("bot_versions_bot_version_key").on(t.botId, t.version),
    index("bot_versions_org_idx").on(t.orgId),
  ],
);

/**
 * Widget appearance and embedding rules: one row with a null `bot_id` holds the org defaults, rows with
 * a bot hold that bot's overrides. Only the fields set at a level are stored, so merging is per field.
 */
export const widgetSettings = pgTable(
  "widget_settings",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid().references(() => bots.id, { onDelete: "cascade" }),
    settings: jsonb().$type<Record<string, unknown>>().notNull(),
    updatedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("widget_settings_org_defaults_key").on(t.orgId).where(sql`${t.botId} is null`),
    uniqueIndex("widget_settings_bot_key").on(t.botId).where(sql`${t.botId} is not null`),
  ],
);

export const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * Question/answer pairs a bot answers from. `search` is maintained by Postgres (generated column) so a
 * replace of thousands of entries needs no application-side indexing.
 */
export const knowledgeEntries = pgTable(
  "knowledge_entries",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    question: text().notNull(),
    answer: text().notNull(),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    position: integer().notNull(),
    search: tsvector()
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', question), 'A') || setweight(to_tsvector('english', kyro_tags_text(tags)), 'B') || setweight(to_tsvector('english', answer), 'C')`,
      ),
    createdAt: createdAt(),
  },
  (t) => [
    index("knowledge_entries_bot_idx").on(t.botId, t.position),
    // btree_gin puts the bot in the full-text index, so a search reads only its own bot's postings
    // instead of every tenant's matches for the same words.
    index("knowledge_entries_bot_search_idx").using("gin", t.botId, t.search),
  ],
);
