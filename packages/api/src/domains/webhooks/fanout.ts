import { type Executor, executorSql, webhookEndpoints, webhookMessages } from "@kyro/db";
import { type EnqueueOptions, enqueueJobs } from "@kyro/platform";
import { and, arrayOverlaps, eq, isNull, or } from "drizzle-orm";

/** The pg-boss queue of delivery attempts. */
export const DELIVERY_QUEUE = "webhooks.deliver";

export interface DeliveryJobData {
  messageId: string;
  /** The attempt this job makes (1-based); a job whose attempt was already made is stale and skipped. */
  attempt: number;
  trigger: "scheduled" | "replay" | "recover";
}

/**
 * pg-boss's own retries cover a worker that died or was stopped mid-attempt: a job running longer than
 * `expireInSeconds` (one 15 s request plus bookkeeping, with margin) is failed and retried later, by
 * when the dead worker's claim on the message has lapsed.
 */
export const DELIVERY_JOB_OPTIONS: EnqueueOptions = {
  retryLimit: 10,
  // No sooner than a dead worker's claim on the message lapses (60 s).
  retryDelaySeconds: 60,
  expireInSeconds: 120,
};

/**
 * Turns just-recorded events into one message per enabled endpoint subscribed to each event's type, and
 * enqueues their first attempts — all in the events' transaction, so a rolled-back change sends nothing
 * and a committed one is never lost. The events of one call belong to one org.
 */
export async function fanOutEvents(
  tx: Executor,
  events: readonly { id: string; orgId: string; type: string }[],
): Promise<void> {
  const [first] = events;
  if (!first) return;
  const types = [...new Set(events.map((event) => event.type))];
  const endpoints = await tx
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.orgId, first.orgId),
        eq(webhookEndpoints.enabled, true),
        or(isNull(webhookEndpoints.eventTypes), arrayOverlaps(webhookEndpoints.eventTypes, types)),
      ),
    );
  const wanted = events.flatMap((event) =>
    endpoints
      .filter((endpoint) => endpoint.eventTypes === null || endpoint.eventTypes.includes(event.type))
      .map((endpoint) => ({
        orgId: event.orgId,
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        nextAttemptAt: new Date(),
      })),
  );
  if (wanted.length === 0) return;
  const messages = await tx.insert(webhookMessages).values(wanted).returning({ id: webhookMessages.id });
  await enqueueDeliveries(
    tx,
    messages.map((message) => ({ messageId: message.id, attempt: 1, trigger: "scheduled" as const })),
  );
}

export function enqueueDeliveries(
  executor: Executor,
  jobs: DeliveryJobData[],
  options: EnqueueOptions = {},
): Promise<void> {
  return enqueueJobs(
    executorSql(executor),
    DELIVERY_QUEUE,
    jobs.map((data) => ({ data, options: { ...DELIVERY_JOB_OPTIONS, ...options } })),
  );
}
