import {
  and,
  domainEvents,
  type Executor,
  eq,
  isNull,
  lt,
  newId,
  or,
  sql,
  type WebhookAttemptTrigger,
  webhookAttempts,
  webhookEndpoints,
  webhookMessages,
} from "@kyro/db";
import { OutboundError } from "@kyro/platform";
import type { AppDeps } from "../../core/deps";
import { disableEndpoint } from "./disable";
import { endpointRateLimiter } from "./endpoint-rate";
import { secretContext } from "./endpoints/service";
import { type DeliveryJobData, enqueueDeliveries } from "./fanout";
import { parseRetryAfter, retryDelaySeconds } from "./retry-policy";
import { signatureHeader } from "./signing";

export const DELIVERY_TIMEOUT_MS = 15_000;
export const CONNECT_TIMEOUT_MS = 5_000;
/** Stored of each response body. */
export const RESPONSE_BODY_BYTES = 20 * 1024;
/** An endpoint failing every attempt for this long is disabled. */
export const FAILING_DISABLE_MS = 5 * 24 * 60 * 60 * 1000;
/** How long a worker owns a message while it sends; a crashed worker's claim lapses after it. */
const CLAIM_SECONDS = 60;

/**
 * Claims the message for this attempt and loads what sending needs, in one statement. Nothing comes
 * back when the job is stale (its attempt was made), the message settled, another worker holds it, or
 * the endpoint or event is gone. A crashed worker's claim lapses after CLAIM_SECONDS.
 */
async function claimMessage(db: Executor, job: DeliveryJobData) {
  const [row] = await db
    .update(webhookMessages)
    .set({ claimedUntil: sql`now() + make_interval(secs => ${CLAIM_SECONDS})` })
    .from(webhookEndpoints)
    // UPDATE … FROM cannot join on the target table; the event's join condition is in WHERE.
    .innerJoin(domainEvents, sql`true`)
    .where(
      and(
        eq(webhookMessages.id, job.messageId),
        eq(webhookMessages.status, "pending"),
        eq(webhookMessages.attempts, job.attempt - 1),
        or(isNull(webhookMessages.claimedUntil), lt(webhookMessages.claimedUntil, sql`now()`)),
        eq(webhookEndpoints.id, webhookMessages.endpointId),
        eq(domainEvents.id, webhookMessages.eventId),
      ),
    )
    .returning({
      id: webhookMessages.id,
      orgId: webhookMessages.orgId,
      endpointId: webhookEndpoints.id,
      url: webhookEndpoints.url,
      enabled: webhookEndpoints.enabled,
      headers: webhookEndpoints.headers,
      rateLimitPerSecond: webhookEndpoints.rateLimitPerSecond,
      secret: webhookEndpoints.secret,
      previousSecret: webhookEndpoints.previousSecret,
      previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt,
      failingSince: webhookEndpoints.failingSince,
      eventId: domainEvents.id,
      eventType: domainEvents.type,
      eventData: domainEvents.data,
      eventCreatedAt: domainEvents.createdAt,
    });
  return row;
}
type LoadedMessage = NonNullable<Awaited<ReturnType<typeof claimMessage>>>;

/** The exact body of every attempt of an event (Standard Webhooks: `{ type, timestamp, data }`). */
export function payloadOf(event: { type: string; createdAt: Date; data: Record<string, unknown> }) {
  return { type: event.type, timestamp: event.createdAt.toISOString(), data: event.data };
}

interface Outcome {
  responseStatus: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  responseTruncated: boolean;
  durationMs: number;
  error: string | null;
}

async function send(deps: AppDeps, message: LoadedMessage): Promise<Outcome> {
  const body = JSON.stringify(
    payloadOf({ type: message.eventType, createdAt: message.eventCreatedAt, data: message.eventData }),
  );
  const context = secretContext(message.endpointId);
  const secrets = [deps.encryption.decrypt(message.secret, context)];
  if (
    message.previousSecret &&
    message.previousSecretExpiresAt &&
    message.previousSecretExpiresAt > new Date()
  ) {
    secrets.push(deps.encryption.decrypt(message.previousSecret, context));
  }
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  try {
    const response = await deps.outbound.send({
      url: message.url,
      method: "POST",
      headers: {
        ...message.headers,
        "content-type": "application/json",
        "user-agent": "Kyro-Webhooks/1.0",
        "webhook-id": message.eventId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signatureHeader(secrets, message.eventId, timestamp, body),
      },
      body,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      maxResponseBytes: RESPONSE_BODY_BYTES,
    });
    const succeeded = response.status >= 200 && response.status < 300;
    return {
      responseStatus: response.status,
      responseHeaders: response.headers,
      // Postgres text cannot hold NUL; a binary body is kept as the text it decodes to.
      responseBody: response.body.toString("utf8").replaceAll("\0", ""),
      responseTruncated: response.truncated,
      durationMs: Math.round(response.durationMs),
      error: succeeded ? null : `HTTP ${response.status}`,
    };
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    return {
      responseStatus: null,
      responseHeaders: {},
      responseBody: null,
      responseTruncated: false,
      durationMs: Math.round(performance.now() - started),
      error: `${error.kind}: ${error.message}`,
    };
  }
}

/**
 * Makes one attempt of a message: sends it signed, stores the attempt, then schedules the next one,
 * dead-letters the message, or disables a gone or long-failing endpoint. A stale or duplicate job (its
 * attempt already made or being made elsewhere) does nothing.
 */
export async function deliverMessage(deps: AppDeps, job: DeliveryJobData): Promise<void> {
  const message = await claimMessage(deps.db, job);
  if (!message) {
    await assertNotHeldElsewhere(deps.db, job);
    return;
  }
  if (!message.enabled) {
    await deps.db
      .update(webhookMessages)
      .set({ status: "failed", nextAttemptAt: null, claimedUntil: null })
      .where(eq(webhookMessages.id, message.id));
    return;
  }
  if (message.rateLimitPerSecond) {
    const state = await endpointRateLimiter(deps, message.rateLimitPerSecond).consume(message.endpointId);
    if (!state.allowed) {
      // Over the endpoint's rate: the same attempt, a little later.
      await deps.db.transaction(async (tx) => {
        await tx
          .update(webhookMessages)
          .set({ claimedUntil: null })
          .where(eq(webhookMessages.id, message.id));
        await enqueueDeliveries(tx, [job], { startAfterSeconds: state.retryAfterSeconds });
      });
      return;
    }
  }
  const outcome = await send(deps, message);
  await recordOutcome(deps, message, job, outcome);
}

/**
 * A claim that failed because another worker holds this very attempt (or held it and died) must not
 * complete the job: that worker may never record the attempt. Failing the job makes pg-boss retry it
 * after the claim has lapsed; by then the attempt is either recorded (the job is stale) or free.
 */
async function assertNotHeldElsewhere(db: Executor, job: DeliveryJobData): Promise<void> {
  const [held] = await db
    .select({ id: webhookMessages.id })
    .from(webhookMessages)
    .where(
      and(
        eq(webhookMessages.id, job.messageId),
        eq(webhookMessages.status, "pending"),
        eq(webhookMessages.attempts, job.attempt - 1),
        sql`${webhookMessages.claimedUntil} >= now()`,
      ),
    );
  if (held)
    throw new Error(`attempt ${job.attempt} of message ${job.messageId} is claimed by another worker`);
}

async function recordOutcome(
  deps: AppDeps,
  message: LoadedMessage,
  job: DeliveryJobData,
  outcome: Outcome,
): Promise<void> {
  const succeeded =
    outcome.responseStatus !== null && outcome.responseStatus >= 200 && outcome.responseStatus < 300;
  const trigger: WebhookAttemptTrigger = job.trigger;
  const now = new Date();
  if (succeeded) {
    // The common case in one statement (one round trip): the attempt, the settled message and the
    // end of the endpoint's failing streak commit together.
    await deps.db.execute(sql`
      with attempt as (
        insert into ${webhookAttempts} (id, org_id, message_id, endpoint_id, attempt, trigger, succeeded,
          response_status, response_body, response_truncated, duration_ms, error)
        values (${newId()}, ${message.orgId}, ${message.id}, ${message.endpointId}, ${job.attempt}, ${trigger},
          true, ${outcome.responseStatus}, ${outcome.responseBody}, ${outcome.responseTruncated},
          ${outcome.durationMs}, null)
      ), endpoint as (
        update ${webhookEndpoints} set failing_since = null
        where id = ${message.endpointId} and failing_since is not null
      )
      update ${webhookMessages}
      set status = 'succeeded', attempts = ${job.attempt}, claimed_until = null, next_attempt_at = null,
        updated_at = now()
      where id = ${message.id}`);
    return;
  }
  await deps.db.transaction(async (tx) => {
    await tx.insert(webhookAttempts).values({
      orgId: message.orgId,
      messageId: message.id,
      endpointId: message.endpointId,
      attempt: job.attempt,
      trigger,
      succeeded: false,
      responseStatus: outcome.responseStatus,
      responseBody: outcome.responseBody,
      responseTruncated: outcome.responseTruncated,
      durationMs: outcome.durationMs,
      error: outcome.error,
    });
    const retryable = outcome.responseStatus === 429 || outcome.responseStatus === 503;
    const retryAfter = retryable ? parseRetryAfter(outcome.responseHeaders["retry-after"]) : null;
    // Replays and recoveries are single manual attempts; only the original delivery follows the schedule.
    const delay =
      trigger === "scheduled" && outcome.responseStatus !== 410
        ? retryDelaySeconds(deps.settings.webhookRetryScheduleSeconds, job.attempt, retryAfter)
        : null;
    if (delay === null) {
      await settle(tx, message.id, job.attempt, { status: "failed", nextAttemptAt: null });
    } else {
      await settle(tx, message.id, job.attempt, {
        status: "pending",
        nextAttemptAt: new Date(now.getTime() + delay * 1000),
      });
      await enqueueDeliveries(
        tx,
        [{ messageId: message.id, attempt: job.attempt + 1, trigger: "scheduled" }],
        {
          startAfterSeconds: delay,
        },
      );
    }

    if (outcome.responseStatus === 410) {
      await disableEndpoint(tx, message.orgId, message.endpointId, "The endpoint answered 410 Gone");
      return;
    }
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set({
        failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)`,
      })
      .where(eq(webhookEndpoints.id, message.endpointId))
      .returning({ failingSince: webhookEndpoints.failingSince });
    if (endpoint?.failingSince && now.getTime() - endpoint.failingSince.getTime() >= FAILING_DISABLE_MS) {
      await disableEndpoint(tx, message.orgId, message.endpointId, "Every delivery failed for five days");
    }
  });
}

async function settle(
  tx: Executor,
  messageId: string,
  attempt: number,
  values: { status: "pending" | "failed"; nextAttemptAt: Date | null },
): Promise<void> {
  await tx
    .update(webhookMessages)
    .set({ ...values, attempts: attempt, claimedUntil: null })
    .where(eq(webhookMessages.id, messageId));
}
