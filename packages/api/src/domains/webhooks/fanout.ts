import {
  and,
  arrayOverlaps,
  compileStatement,
  type Executor,
  eq,
  executorSql,
  isNull,
  or,
  sql,
  webhookEndpoints,
  webhookMessages,
} from "@kyro/db";
import { type EnqueueOptions, enqueueJobs } from "@kyro/platform";
import type { EventFanOut } from "../../core/events/emit";

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

/** Compiled: every event of every change looks its org's endpoints up (see `compileStatement`). */
const selectSubscribedEndpoints = compileStatement(["orgId", "types"], (db) =>
  db
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.orgId, sql.placeholder("orgId")),
        sql`${webhookEndpoints.enabled}`,
        or(
          isNull(webhookEndpoints.eventTypes),
          arrayOverlaps(webhookEndpoints.eventTypes, sql`${sql.placeholder("types")}::text[]`),
        ),
      ),
    ),
);

export interface SubscribedEndpoint {
  id: string;
  /** null: every event type. */
  eventTypes: string[] | null;
}

/** The org's enabled endpoints subscribed to any of `types`. */
export async function subscribedEndpoints(
  tx: Executor,
  orgId: string,
  types: readonly string[],
): Promise<SubscribedEndpoint[]> {
  return selectSubscribedEndpoints(tx, { orgId, types: [...new Set(types)] });
}

/**
 * Turns just-recorded events into one message per endpoint subscribed to each event's type, and
 * enqueues their first attempts — all in the events' transaction, so a rolled-back change sends nothing
 * and a committed one is never lost.
 */
export async function fanOutEvents(
  tx: Executor,
  events: readonly { id: string; orgId: string; type: string }[],
  endpoints: readonly SubscribedEndpoint[],
): Promise<void> {
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

/** What the wiring module registers with the events (`registerEventFanOut`). */
export const webhookFanOut: EventFanOut<SubscribedEndpoint[]> = {
  subscribers: subscribedEndpoints,
  fanOut: fanOutEvents,
};

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
