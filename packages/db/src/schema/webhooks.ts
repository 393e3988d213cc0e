import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns";
import { domainEvents } from "./events";
import { organizations } from "./organizations";

export const WEBHOOK_MESSAGE_STATUSES = ["pending", "succeeded", "failed"] as const;
/** pending: an attempt is due or running; succeeded: a 2xx was received; failed: dead-lettered. */
export type WebhookMessageStatus = (typeof WEBHOOK_MESSAGE_STATUSES)[number];
export const WEBHOOK_ATTEMPT_TRIGGERS = ["scheduled", "replay", "recover"] as const;
export type WebhookAttemptTrigger = (typeof WEBHOOK_ATTEMPT_TRIGGERS)[number];

/** A tenant's outbound webhook destination. */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    url: text().notNull(),
    description: text().notNull().default(""),
    /** Event types delivered here; null means every type. */
    eventTypes: text().array(),
    enabled: boolean().notNull().default(true),
    /** Why it was disabled by the system (410 Gone, five days of failures); null when a member did it. */
    disabledReason: text(),
    /** Extra request headers sent with every delivery. */
    headers: jsonb().$type<Record<string, string>>().notNull().default({}),
    /** Deliveries per second at most; null means no limit. */
    rateLimitPerSecond: integer(),
    /** `whsec_` + base64 signing key. Never selected into API output except once, at creation or rotation. */
    secret: text().notNull(),
    /** The secret before the last rotation: deliveries carry its signature too until it expires. */
    previousSecret: text(),
    previousSecretExpiresAt: timestamp({ withTimezone: true }),
    /** Start of the current run of failed attempts; cleared by a success. */
    failingSince: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_endpoints_org_idx").on(t.orgId, t.id)],
);

/** One event to one endpoint: the unit that is retried, replayed and recovered. */
export const webhookMessages = pgTable(
  "webhook_messages",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    endpointId: uuid()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    /** The domain event; its id is the `webhook-id` header of every attempt. */
    eventId: uuid()
      .notNull()
      .references(() => domainEvents.id, { onDelete: "cascade" }),
    eventType: text().notNull(),
    status: text().$type<WebhookMessageStatus>().notNull().default("pending"),
    /** Attempts made so far (scheduled and manual). */
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }),
    /** Set while a worker sends an attempt; a crashed worker's claim lapses and the job retries. */
    claimedUntil: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("webhook_messages_endpoint_event_idx").on(t.endpointId, t.eventId),
    index("webhook_messages_endpoint_idx").on(t.orgId, t.endpointId, t.id),
    index("webhook_messages_org_created_idx").on(t.orgId, t.createdAt),
    index("webhook_messages_failed_idx").on(t.endpointId, t.createdAt).where(sql`${t.status} = 'failed'`),
  ],
);

/** Every HTTP attempt of a message, kept for the delivery log. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    messageId: uuid()
      .notNull()
      .references(() => webhookMessages.id, { onDelete: "cascade" }),
    endpointId: uuid().notNull(),
    /** 1-based number of the attempt within its message. */
    attempt: integer().notNull(),
    trigger: text().$type<WebhookAttemptTrigger>().notNull(),
    succeeded: boolean().notNull(),
    /** HTTP status; null when no response arrived (timeout, refused, connection error). */
    responseStatus: integer(),
    /** The first 20 KB of the response body. */
    responseBody: text(),
    responseTruncated: boolean().notNull().default(false),
    durationMs: integer().notNull(),
    error: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhook_attempts_message_idx").on(t.messageId, t.id),
    // The retention purge finds an org's expired attempts and messages by age.
    index("webhook_attempts_org_created_idx").on(t.orgId, t.createdAt),
  ],
);
