import { ACTOR_TYPES } from "@kyro/db";
import { z } from "zod";
import { instant, rangeIsOrdered, rangeMessage, rangeWithin, rangeWithinMessage } from "../shared/schemas";

export const auditStatsInput = z
  .object({
    /** Inclusive lower bound on `createdAt`. */
    from: instant,
    /** Exclusive upper bound on `createdAt`; at most 366 days after `from`. */
    to: instant,
  })
  .refine(rangeIsOrdered, rangeMessage)
  .refine(rangeWithin(366), rangeWithinMessage(366));
export type AuditStatsInput = z.infer<typeof auditStatsInput>;

export const auditStatsOutput = z
  .object({
    total: z.int(),
    /** The 100 most frequent actions, most frequent first. */
    byAction: z.array(z.object({ action: z.string(), count: z.int() })),
    /** The 100 most active actors, most active first. */
    byActor: z.array(
      z.object({
        actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.uuid().nullable(), label: z.string().nullable() }),
        count: z.int(),
      }),
    ),
    /** Days (UTC, `YYYY-MM-DD`) with at least one event, oldest first. */
    byDay: z.array(z.object({ day: z.string(), count: z.int() })),
  })
  .meta({ id: "AuditStats" });
export type AuditStatsOutput = z.infer<typeof auditStatsOutput>;
