import { sql } from "drizzle-orm";
import { check, integer, pgTable, uuid } from "drizzle-orm/pg-core";
import { updatedAt } from "./columns";
import { organizations } from "./organizations";

/**
 * An org's retention policy, in days per kind of data. A null column follows the platform default (see
 * docs/data-lifecycle.md), so a default changed later reaches every org that never chose its own.
 */
export const retentionPolicies = pgTable(
  "retention_policies",
  {
    orgId: uuid()
      .primaryKey()
      .references(() => organizations.id, { onDelete: "cascade" }),
    messagesDays: integer(),
    leadsDays: integer(),
    feedbackDays: integer(),
    auditDays: integer(),
    webhookDeliveriesDays: integer(),
    inboundEventsDays: integer(),
    usageEventsDays: integer(),
    exportsDays: integer(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      "retention_policies_days_check",
      sql`least(${t.messagesDays}, ${t.leadsDays}, ${t.feedbackDays}, ${t.auditDays}, ${t.webhookDeliveriesDays}, ${t.inboundEventsDays}, ${t.usageEventsDays}, ${t.exportsDays}) >= 1`,
    ),
  ],
);
