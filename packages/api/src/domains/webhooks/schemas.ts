import { WEBHOOK_ATTEMPT_TRIGGERS, WEBHOOK_MESSAGE_STATUSES } from "@kyro/db";
import { z } from "zod";
import { EVENT_TYPES } from "../../core/events/catalogue";
import { webUrl } from "../../core/formats";
import { pageFields } from "../../core/pagination";
import { singleLine, token } from "../../core/text-input";

/** `deliveries.recover` reaches back at most this far. */
export const RECOVER_WINDOW_DAYS = 14;
export const MAX_ENDPOINT_HEADERS = 20;

/** A Date through tRPC (superjson), or ISO 8601 text with an offset over REST. */
const instant = z.union([z.date(), z.iso.datetime({ offset: true })]);

const eventType = z.enum(EVENT_TYPES as [string, ...string[]]);

/** Headers Kyro sets itself (signature, framing, routing) cannot be overridden per endpoint. */
const RESERVED_HEADERS =
  /^(webhook-(id|timestamp|signature)|content-(type|length)|host|connection|transfer-encoding|user-agent)$/i;
const headerName = token()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, { message: "must be a valid HTTP header name" })
  .refine((name) => !RESERVED_HEADERS.test(name), { message: "is set by Kyro and cannot be overridden" });
/** What answers show instead of a header value; sent back on update, it keeps the stored value. */
export const MASKED_HEADER_VALUE = /^••••[\x20-\x7e\x80-\xff]{0,4}$/;
/** RFC 9110 field-value characters: anything else Node's HTTP client refuses at delivery time. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// One line: a line break would inject a header of the sender's choosing.
const headerValue = singleLine()
  .max(1000)
  .refine((value) => FIELD_VALUE.test(value) || MASKED_HEADER_VALUE.test(value), {
    message: "must be a single line of visible ASCII or Latin-1 text",
  });
const headers = z
  .record(headerName, headerValue)
  .refine((value) => Object.keys(value).length <= MAX_ENDPOINT_HEADERS, {
    message: `at most ${MAX_ENDPOINT_HEADERS} headers`,
  });

const endpointFields = {
  url: webUrl(2000),
  description: singleLine().max(500),
  /** Event types to deliver; null (or omitted at creation) delivers every type. */
  eventTypes: z.array(eventType).min(1).max(EVENT_TYPES.length).nullable(),
  enabled: z.boolean(),
  headers,
  /** Deliveries per second at most; null for no limit. */
  rateLimitPerSecond: z.int().min(1).max(1000).nullable(),
};

export const createEndpointInput = z.object({
  url: endpointFields.url,
  description: endpointFields.description.default(""),
  eventTypes: endpointFields.eventTypes.default(null),
  enabled: endpointFields.enabled.default(true),
  headers: endpointFields.headers.default({}),
  rateLimitPerSecond: endpointFields.rateLimitPerSecond.default(null),
});
export type CreateEndpointInput = z.infer<typeof createEndpointInput>;

export const endpointTargetInput = z.object({ endpointId: z.uuid() });
export type EndpointTargetInput = z.infer<typeof endpointTargetInput>;

export const updateEndpointInput = z
  .object({
    endpointId: z.uuid(),
    url: endpointFields.url.optional(),
    description: endpointFields.description.optional(),
    eventTypes: endpointFields.eventTypes.optional(),
    enabled: endpointFields.enabled.optional(),
    headers: endpointFields.headers.optional(),
    rateLimitPerSecond: endpointFields.rateLimitPerSecond.optional(),
  })
  .refine((input) => Object.keys(input).some((key) => key !== "endpointId"), {
    message: "Give at least one field to change",
  });
export type UpdateEndpointInput = z.infer<typeof updateEndpointInput>;

export const endpointOutput = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()).nullable(),
    enabled: z.boolean(),
    /** Set when the system disabled it (410 Gone or five days of failures). */
    disabledReason: z.string().nullable(),
    /**
     * Custom headers sent with every delivery, values masked (`••••` + the last 4 characters of values
     * of 16 or more). Send a masked value back unchanged on update to keep the stored one.
     */
    headers: z.record(z.string(), z.string()),
    rateLimitPerSecond: z.int().nullable(),
    /** Until then deliveries are also signed with the secret replaced by the last rotation. */
    previousSecretExpiresAt: z.date().nullable(),
    failingSince: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "WebhookEndpoint" });
export type EndpointView = z.infer<typeof endpointOutput>;

export const endpointWithSecretOutput = z
  .object({
    endpoint: endpointOutput,
    /** `whsec_…`: shown once; verify deliveries with it (Standard Webhooks). */
    secret: z.string(),
  })
  .meta({ id: "WebhookEndpointWithSecret" });

export const endpointResultOutput = z.object({ endpoint: endpointOutput });
export const endpointListOutput = z.object({
  items: z.array(endpointOutput),
  nextCursor: z.string().nullable(),
});

export const listDeliveriesInput = z.object({
  endpointId: z.uuid(),
  status: z.enum(WEBHOOK_MESSAGE_STATUSES).optional(),
  eventType: eventType.optional(),
  /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
  ...pageFields,
});
export type ListDeliveriesInput = z.infer<typeof listDeliveriesInput>;

export const messageTargetInput = z.object({ endpointId: z.uuid(), messageId: z.uuid() });
export type MessageTargetInput = z.infer<typeof messageTargetInput>;

export const recoverInput = z.object({
  endpointId: z.uuid(),
  /** Failed messages created at or after this instant are re-queued; at most 14 days back. */
  since: instant.meta({
    description:
      "At most 14 days ago and not in the future (400 otherwise); a JSON Schema cannot compare with now.",
  }),
});
export type RecoverInput = z.infer<typeof recoverInput>;

const messageShape = {
  id: z.uuid(),
  endpointId: z.uuid(),
  /** The `webhook-id` header: the event id, identical on every attempt. */
  eventId: z.uuid(),
  eventType: z.string(),
  status: z.enum(WEBHOOK_MESSAGE_STATUSES),
  attempts: z.int(),
  nextAttemptAt: z.date().nullable(),
  lastResponseStatus: z.int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
};

export const deliveryOutput = z.object(messageShape).meta({ id: "WebhookDelivery" });
export type DeliveryView = z.infer<typeof deliveryOutput>;

export const deliveryPageOutput = z.object({
  items: z.array(deliveryOutput),
  nextCursor: z.string().nullable(),
});

export const attemptOutput = z
  .object({
    id: z.uuid(),
    attempt: z.int(),
    trigger: z.enum(WEBHOOK_ATTEMPT_TRIGGERS),
    succeeded: z.boolean(),
    responseStatus: z.int().nullable(),
    /** The first 20 KB of the response body. */
    responseBody: z.string().nullable(),
    responseTruncated: z.boolean(),
    durationMs: z.int(),
    error: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "WebhookAttempt" });

export const deliveryDetailOutput = z
  .object({
    ...messageShape,
    /** The body sent: `{ type, timestamp, data }`. */
    payload: z.object({ type: z.string(), timestamp: z.string(), data: z.record(z.string(), z.unknown()) }),
    attemptLog: z.array(attemptOutput),
  })
  .meta({ id: "WebhookDeliveryDetail" });
export type DeliveryDetail = z.infer<typeof deliveryDetailOutput>;

export const queuedOutput = z.object({ delivery: deliveryOutput });
export const deliveryResultOutput = z
  .object({ delivery: deliveryDetailOutput })
  .meta({ id: "WebhookDeliveryResult" });
export const recoveredOutput = z.object({ recovered: z.int() });

export const eventTypesInput = z.object(pageFields);

export const eventTypesOutput = z.object({
  items: z.array(
    z.object({
      type: z.string(),
      version: z.int(),
      description: z.string(),
      /** JSON Schema (draft 2020-12) of `data`. */
      schema: z.record(z.string(), z.unknown()),
    }),
  ),
  nextCursor: z.string().nullable(),
});
