import { bigint, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns";
import { organizations } from "./organizations";

export const ACTOR_TYPES = ["user", "api_key", "system"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface AuditDiff {
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * Append-only: no procedure updates or deletes a row. `org_id` is null only for user-level security
 * events (signup, password change) that belong to no organization; audit.list never shows those.
 * Ids are UUIDv7, so ordering by id is ordering by time and the id doubles as the page cursor.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: id(),
    orgId: uuid().references(() => organizations.id, { onDelete: "cascade" }),
    actorType: text().$type<ActorType>().notNull(),
    actorId: uuid(),
    /** Human-readable actor at the time (email or key name), kept even if the actor is deleted later. */
    actorLabel: text(),
    action: text().notNull(),
    resourceType: text().notNull(),
    resourceId: text(),
    requestId: text(),
    ip: text(),
    userAgent: text(),
    diff: jsonb().$type<AuditDiff>(),
    createdAt: createdAt(),
    /**
     * Hash chain (docs/audit.md): position in the org's chain, the previous event's hash and this
     * event's hash, all null for org-less events, which form no chain.
     */
    chainSeq: bigint({ mode: "number" }),
    prevHash: text(),
    hash: text(),
  },
  (t) => [
    index("audit_events_org_id_idx").on(t.orgId, t.id),
    index("audit_events_org_created_idx").on(t.orgId, t.createdAt),
    index("audit_events_org_actor_idx").on(t.orgId, t.actorId),
    index("audit_events_org_action_idx").on(t.orgId, t.action),
    index("audit_events_org_resource_idx").on(t.orgId, t.resourceType, t.resourceId),
    uniqueIndex("audit_events_org_chain_seq_idx").on(t.orgId, t.chainSeq),
  ],
);

/**
 * The last link of each org's audit chain. The writer locks this row (upsert) to append, so events of
 * one org are chained one after another while other orgs write in parallel; verification compares the
 * last event with it, which reveals events deleted from the end.
 */
export const auditChainHeads = pgTable("audit_chain_heads", {
  orgId: uuid()
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  seq: bigint({ mode: "number" }).notNull(),
  hash: text().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
