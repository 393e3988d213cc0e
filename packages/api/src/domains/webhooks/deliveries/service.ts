import {
  and,
  asc,
  desc,
  domainEvents,
  type Executor,
  eq,
  gte,
  lt,
  sql,
  webhookAttempts,
  webhookMessages,
} from "@kyro/db";
import { recordAudit } from "../../../core/audit-log";
import type { AppDeps } from "../../../core/deps";
import { conflict, invalidField, notFound } from "../../../core/errors";
import type { OrgScope } from "../../../core/org-scope";
import { decodeCursor, pageOf } from "../../../core/pagination";
import { payloadOf } from "../delivery";
import { findEndpoint, type WebhooksContext } from "../endpoints/service";
import { enqueueDeliveries } from "../fanout";
import {
  type DeliveryDetail,
  type DeliveryView,
  type ListDeliveriesInput,
  type MessageTargetInput,
  RECOVER_WINDOW_DAYS,
  type RecoverInput,
} from "../schemas";

const lastAttempt = (column: "response_status" | "error") =>
  sql.raw(
    `(select a.${column} from webhook_attempts a where a.message_id = "webhook_messages"."id" order by a.id desc limit 1)`,
  );

const deliveryColumns = {
  id: webhookMessages.id,
  endpointId: webhookMessages.endpointId,
  eventId: webhookMessages.eventId,
  eventType: webhookMessages.eventType,
  status: webhookMessages.status,
  attempts: webhookMessages.attempts,
  nextAttemptAt: webhookMessages.nextAttemptAt,
  lastResponseStatus: sql<number | null>`${lastAttempt("response_status")}`,
  lastError: sql<string | null>`${lastAttempt("error")}`,
  createdAt: webhookMessages.createdAt,
  updatedAt: webhookMessages.updatedAt,
};

function ownMessage(orgId: string, input: MessageTargetInput) {
  return and(
    eq(webhookMessages.id, input.messageId),
    eq(webhookMessages.endpointId, input.endpointId),
    eq(webhookMessages.orgId, orgId),
  );
}

async function findDelivery(db: Executor, orgId: string, input: MessageTargetInput): Promise<DeliveryView> {
  const [row] = await db.select(deliveryColumns).from(webhookMessages).where(ownMessage(orgId, input));
  if (!row) throw notFound("Webhook message");
  return row;
}

/** Newest first; `nextCursor` is the last id of the page. */
export async function listDeliveries(
  ctx: { deps: AppDeps; org: OrgScope },
  input: ListDeliveriesInput,
): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  const { orgId } = ctx.org;
  await findEndpoint(ctx.deps.db, orgId, input.endpointId);
  const rows = await ctx.deps.db
    .select(deliveryColumns)
    .from(webhookMessages)
    .where(
      and(
        eq(webhookMessages.orgId, orgId),
        eq(webhookMessages.endpointId, input.endpointId),
        input.status ? eq(webhookMessages.status, input.status) : undefined,
        input.eventType ? eq(webhookMessages.eventType, input.eventType) : undefined,
        input.cursor ? lt(webhookMessages.id, decodeCursor(input.cursor)) : undefined,
      ),
    )
    .orderBy(desc(webhookMessages.id))
    .limit(input.limit + 1);
  return pageOf(rows, input.limit);
}

export async function getDelivery(
  ctx: { deps: AppDeps; org: OrgScope },
  input: MessageTargetInput,
): Promise<DeliveryDetail> {
  const { orgId } = ctx.org;
  const delivery = await findDelivery(ctx.deps.db, orgId, input);
  const [event] = await ctx.deps.db
    .select({ type: domainEvents.type, data: domainEvents.data, createdAt: domainEvents.createdAt })
    .from(domainEvents)
    .where(and(eq(domainEvents.id, delivery.eventId), eq(domainEvents.orgId, orgId)));
  if (!event) throw notFound("Webhook message");
  const attemptLog = await ctx.deps.db
    .select({
      id: webhookAttempts.id,
      attempt: webhookAttempts.attempt,
      trigger: webhookAttempts.trigger,
      succeeded: webhookAttempts.succeeded,
      responseStatus: webhookAttempts.responseStatus,
      responseBody: webhookAttempts.responseBody,
      responseTruncated: webhookAttempts.responseTruncated,
      durationMs: webhookAttempts.durationMs,
      error: webhookAttempts.error,
      createdAt: webhookAttempts.createdAt,
    })
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.messageId, delivery.id), eq(webhookAttempts.orgId, orgId)))
    .orderBy(asc(webhookAttempts.id));
  return { ...delivery, payload: payloadOf(event), attemptLog };
}

async function assertEnabled(tx: Executor, orgId: string, endpointId: string): Promise<void> {
  const endpoint = await findEndpoint(tx, orgId, endpointId, true);
  if (!endpoint.enabled) throw conflict("endpoint_disabled", "The endpoint is disabled; enable it first");
}

/** Sends one message again, now, with the same webhook-id: a single attempt, not a new retry schedule. */
export async function replayDelivery(
  ctx: WebhooksContext,
  input: MessageTargetInput,
): Promise<{ delivery: DeliveryView }> {
  const { orgId } = ctx.org;
  return ctx.deps.db.transaction(async (tx) => {
    await assertEnabled(tx, orgId, input.endpointId);
    const [message] = await tx
      .select({ id: webhookMessages.id, status: webhookMessages.status, attempts: webhookMessages.attempts })
      .from(webhookMessages)
      .where(ownMessage(orgId, input))
      .for("update");
    if (!message) throw notFound("Webhook message");
    if (message.status === "pending") {
      throw conflict(
        "in_progress",
        "This message is still being delivered; replay it once it succeeded or failed",
      );
    }
    await tx
      .update(webhookMessages)
      .set({ status: "pending", nextAttemptAt: new Date() })
      .where(and(eq(webhookMessages.id, message.id), eq(webhookMessages.orgId, orgId)));
    await enqueueDeliveries(tx, [
      { messageId: message.id, attempt: message.attempts + 1, trigger: "replay" },
    ]);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "webhook_message.replayed",
      resourceType: "webhook_message",
      resourceId: message.id,
      before: { status: message.status, attempts: message.attempts },
    });
    return { delivery: await findDelivery(tx, orgId, input) };
  });
}

/** Re-queues every failed message of the endpoint created since `since` (at most 14 days back). */
export async function recoverDeliveries(
  ctx: WebhooksContext,
  input: RecoverInput,
): Promise<{ recovered: number }> {
  const { orgId } = ctx.org;
  const since = new Date(input.since);
  const now = Date.now();
  if (since.getTime() < now - RECOVER_WINDOW_DAYS * 86_400_000) {
    throw invalidField("since", `since: at most ${RECOVER_WINDOW_DAYS} days ago`, "too_small");
  }
  if (since.getTime() > now) {
    throw invalidField("since", "since: must not be in the future", "too_big");
  }
  return ctx.deps.db.transaction(async (tx) => {
    await assertEnabled(tx, orgId, input.endpointId);
    const messages = await tx
      .update(webhookMessages)
      .set({ status: "pending", nextAttemptAt: new Date() })
      .where(
        and(
          eq(webhookMessages.orgId, orgId),
          eq(webhookMessages.endpointId, input.endpointId),
          eq(webhookMessages.status, "failed"),
          gte(webhookMessages.createdAt, since),
        ),
      )
      .returning({ id: webhookMessages.id, attempts: webhookMessages.attempts });
    await enqueueDeliveries(
      tx,
      messages.map((message) => ({
        messageId: message.id,
        attempt: message.attempts + 1,
        trigger: "recover" as const,
      })),
    );
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "webhook_endpoint.recovered",
      resourceType: "webhook_endpoint",
      resourceId: input.endpointId,
      after: { since, recovered: messages.length },
    });
    return { recovered: messages.length };
  });
}
