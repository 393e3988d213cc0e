import {
  bigint,
  bigserial,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { bots } from "./bots";
import { organizations } from "./organizations";

/**
 * Analytics rollups in 15-minute UTC buckets, summed per local day at read time in the org's time zone.
 * Every real zone offset since the 1970s is a multiple of 15 minutes (Kolkata +5:30, Kathmandu +5:45),
 * so a bucket never straddles a local midnight, DST included, and changing an org's zone rebuilds
 * nothing. Conversation metrics sit in the bucket the conversation started in; event metrics
 * (messages, feedback, leads, tickets, usage) in the bucket of the event. docs/analytics.md.
 */
export const analyticsBuckets = pgTable(
  "analytics_buckets",
  {
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    bucket: timestamp({ withTimezone: true }).notNull(),
    conversations: integer().notNull().default(0),
    /** Messages of the conversations that started in the bucket (for messages per conversation). */
    conversationMessages: integer().notNull().default(0),
    resolvedByBot: integer().notNull().default(0),
    durablyResolved: integer().notNull().default(0),
    escalated: integer().notNull().default(0),
    firstResponses: integer().notNull().default(0),
    firstResponseMsSum: bigint({ mode: "number" }).notNull().default(0),
    messages: integer().notNull().default(0),
    feedback: integer().notNull().default(0),
    helpfulFeedback: integer().notNull().default(0),
    leads: integer().notNull().default(0),
    tickets: integer().notNull().default(0),
    inputTokens: bigint({ mode: "number" }).notNull().default(0),
    outputTokens: bigint({ mode: "number" }).notNull().default(0),
    costMicros: bigint({ mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.bucket, t.botId] })],
);

/** Counts by reason per bucket: `escalation` (escalation_tickets.reason) and `feedback` (unhelpful reasons). */
export const analyticsReasons = pgTable(
  "analytics_reasons",
  {
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    botId: uuid()
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    bucket: timestamp({ withTimezone: true }).notNull(),
    kind: text().notNull(),
    reason: text().notNull(),
    count: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.bucket, t.botId, t.kind, t.reason] })],
);

/**
 * Buckets to recompute, appended by triggers on the source tables (migration 0014: once per statement
 * and bucket) so every writer, backfills and raw SQL included, marks what it touched. Append-only (no
 * upsert): a writer never waits on another, and a mark its uncommitted transaction wrote stays for the
 * next drain.
 */
export const analyticsDirty = pgTable(
  "analytics_dirty",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    orgId: uuid().notNull(),
    botId: uuid().notNull(),
    bucket: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index("analytics_dirty_org_idx").on(t.orgId)],
);
