import { sql } from "drizzle-orm";
import {
  check,
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
import { organizations } from "./organizations";

export const INTEGRATION_AUTH_TYPES = ["none", "apiKey", "bearer", "basic"] as const;
export type IntegrationAuthType = (typeof INTEGRATION_AUTH_TYPES)[number];

export const INTEGRATION_HEALTH = ["unknown", "healthy", "failing"] as const;
export type IntegrationHealth = (typeof INTEGRATION_HEALTH)[number];

/**
 * Generic HTTP connectors of an organization. The credential (API key, bearer token or basic password)
 * is stored only as `secret_ciphertext` (AES-256-GCM, key id inside, the row id as additional data);
 * `secret_last4` is what people see afterwards. `last_test_*` hold the result of the latest health test.
 */
export const integrations = pgTable(
  "integrations",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    baseUrl: text().notNull(),
    authType: text().$type<IntegrationAuthType>().notNull(),
    /** Header carrying the key for `apiKey` auth. */
    authHeaderName: text(),
    /** User name for `basic` auth; not a secret, shown as is. */
    authUsername: text(),
    secretCiphertext: text(),
    secretLast4: text(),
    health: text().$type<IntegrationHealth>().notNull().default("unknown"),
    lastTestAt: timestamp({ withTimezone: true }),
    lastTestStatus: integer(),
    lastTestLatencyMs: integer(),
    lastTestError: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("integrations_org_name_key").on(t.orgId, t.name),
    check("integrations_auth_type_check", sql`${t.authType} in ('none', 'apiKey', 'bearer', 'basic')`),
    check("integrations_health_check", sql`${t.health} in ('unknown', 'healthy', 'failing')`),
  ],
);

export const INBOUND_PROFILES = ["standard-webhooks", "github", "stripe", "chatwoot", "hmac"] as const;
export type InboundProfile = (typeof INBOUND_PROFILES)[number];

export const INBOUND_EVENT_STATUSES = ["received", "processed", "failed"] as const;
export type InboundEventStatus = (typeof INBOUND_EVENT_STATUSES)[number];

/**
 * Inbound webhook endpoints: third parties POST to /api/v1/hooks/{slug}. The URL names no org, so the
 * slug is unique across all orgs. The signing secret must be readable to verify HMACs, so it is
 * encrypted (not hashed); `hmac_*` configure the generic `hmac` profile.
 */
export const inboundEndpoints = pgTable(
  "inbound_endpoints",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    slug: text().notNull(),
    profile: text().$type<InboundProfile>().notNull(),
    secretCiphertext: text().notNull(),
    secretLast4: text().notNull(),
    toleranceSeconds: integer().notNull().default(300),
    hmacHeader: text(),
    hmacEncoding: text().$type<"hex" | "base64">(),
    deliveryIdHeader: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("inbound_endpoints_slug_key").on(t.slug),
    index("inbound_endpoints_org_idx").on(t.orgId, t.id),
    check(
      "inbound_endpoints_profile_check",
      sql`${t.profile} in ('standard-webhooks', 'github', 'stripe', 'chatwoot', 'hmac')`,
    ),
  ],
);

/**
 * What arrived at an inbound endpoint. `delivery_id` is the sender's id (or a hash of the body when the
 * sender gives none); it is unique per endpoint, so a redelivery stores nothing new.
 */
export const inboundEvents = pgTable(
  "inbound_events",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    endpointId: uuid()
      .notNull()
      .references(() => inboundEndpoints.id, { onDelete: "cascade" }),
    deliveryId: text().notNull(),
    /**
     * SHA-256 of what the profile's signature covers (the body, with the signed timestamp where the
     * profile signs one). Unique per endpoint, so a valid delivery resent under another unsigned
     * delivery-id header is still recognised as a replay. Null on rows stored before it existed.
     */
    signedDigest: text(),
    eventType: text(),
    headers: jsonb().$type<Record<string, string>>().notNull(),
    body: text().notNull(),
    status: text().$type<InboundEventStatus>().notNull().default("received"),
    receivedAt: createdAt(),
    processedAt: timestamp({ withTimezone: true }),
    error: text(),
  },
  (t) => [
    uniqueIndex("inbound_events_delivery_key").on(t.endpointId, t.deliveryId),
    uniqueIndex("inbound_events_signed_digest_key").on(t.endpointId, t.signedDigest),
    index("inbound_events_org_endpoint_idx").on(t.orgId, t.endpointId, t.id),
    check("inbound_events_status_check", sql`${t.status} in ('received', 'processed', 'failed')`),
  ],
);
