import { and, auditEvents, count, desc, eq, gte, lt, type SQL, sql } from "@kyro/db";
import type { AuditServiceContext } from "./service";
import type { AuditStatsInput, AuditStatsOutput } from "./stats-schemas";

/** The most frequent actions and actors listed; the rest are summed in `total` only. */
const STATS_TOP = 100;

/**
 * Counts of the org's events in [from, to): by action, by actor and by UTC day. Read from the
 * (org, created_at) index; the range is bounded by the input (at most 366 days).
 */
export async function auditStats(
  ctx: AuditServiceContext,
  input: AuditStatsInput,
): Promise<AuditStatsOutput> {
  const where: SQL | undefined = and(
    eq(auditEvents.orgId, ctx.org.orgId),
    gte(auditEvents.createdAt, new Date(input.from)),
    lt(auditEvents.createdAt, new Date(input.to)),
  );
  const day = sql<string>`to_char(${auditEvents.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const { db } = ctx.deps;
  const [byAction, byActor, byDay] = await Promise.all([
    db
      .select({ action: auditEvents.action, count: count() })
      .from(auditEvents)
      .where(where)
      .groupBy(auditEvents.action)
      .orderBy(desc(count()), auditEvents.action)
      .limit(STATS_TOP),
    db
      .select({
        type: auditEvents.actorType,
        id: auditEvents.actorId,
        // Labels are copies taken at the time; the newest one names the actor.
        label: sql<string | null>`(array_agg(${auditEvents.actorLabel} order by ${auditEvents.id} desc))[1]`,
        count: count(),
      })
      .from(auditEvents)
      .where(where)
      .groupBy(auditEvents.actorType, auditEvents.actorId)
      .orderBy(desc(count()), auditEvents.actorType, auditEvents.actorId)
      .limit(STATS_TOP),
    db.select({ day, count: count() }).from(auditEvents).where(where).groupBy(day).orderBy(day),
  ]);
  return {
    // Every day of the range with an event is in byDay (it has no limit), so its counts sum to the total.
    total: byDay.reduce((sum, day) => sum + day.count, 0),
    byAction,
    byActor: byActor.map(({ count: events, ...actor }) => ({ actor, count: events })),
    byDay,
  };
}
