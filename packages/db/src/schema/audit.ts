import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
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
  },
  (t) => [
    index("audit_events_org_id_idx").on(t.orgId, t.id),
    index("audit_events_org_created_idx").on(t.orgId, t.createdAt),
    index("audit_events_org_actor_idx").on(t.orgId, t.actorId),
    index("audit_events_org_action_idx").on(t.orgId, t.action),
    index("audit_events_org_resource_idx").on(t.orgId, t.resourceType, t.resourceId),
  ],
);
