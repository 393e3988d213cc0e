import { index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns";
import { organizations } from "./organizations";

/**
 * Domain events (the outbox). A row is written in the same transaction as the change it describes, so
 * an event exists exactly when its change committed. The webhooks domain fans events out to endpoints;
 * the event id is the stable `webhook-id` of every delivery of it.
 */
export const domainEvents = pgTable(
  "domain_events",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    type: text().notNull(),
    /** Version of the payload schema of `type`. */
    version: integer().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("domain_events_org_idx").on(t.orgId, t.id),
    index("domain_events_type_idx").on(t.type, t.id),
    index("domain_events_org_created_idx").on(t.orgId, t.createdAt),
  ],
);
