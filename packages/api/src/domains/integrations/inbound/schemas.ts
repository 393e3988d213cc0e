import { INBOUND_EVENT_STATUSES, INBOUND_PROFILES } from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../../core/pagination";
import { NOT_BLANK, singleLine, token } from "../../../core/text-input";

/** A sender-supplied Standard Webhooks secret: `whsec_` and base64 of at least 16 bytes. */
export const STANDARD_WEBHOOKS_SECRET = /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/;
export const STANDARD_WEBHOOKS_SECRET_MESSAGE = "A Standard Webhooks secret is `whsec_` followed by base64";

export const INBOUND_MAX_BODY_BYTES = 512 * 1024;

const headerNameSchema = token()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "Not a valid header name")
  .transform((name) => name.toLowerCase());

export const inboundProfileSchema = z.enum(INBOUND_PROFILES).meta({ id: "InboundProfile" });

const secretSchema = token().min(16, "Secrets must be at least 16 characters").max(256);

export const createInboundInput = z
  .object({
    name: singleLine().trim().min(1).regex(NOT_BLANK, "Must not be blank").max(100),
    profile: inboundProfileSchema,
    /** Part of the public URL /api/v1/hooks/{slug}; unique across all organizations. Generated when left out. */
    slug: token()
      .regex(/^[a-z0-9][a-z0-9-]{2,62}$/, "3–63 lower-case letters, digits and dashes")
      .optional(),
    /**
     * The signing secret when the sender generates it (Stripe's `whsec_…`, Chatwoot's); generated when left
     * out. For `standard-webhooks` it must be `whsec_` + base64.
     */
    secret: secretSchema.optional(),
    /** How far a signed timestamp may be from now (profiles that sign one). */
    toleranceSeconds: z.number().int().min(1).max(3_600).default(300),
    /** `hmac` profile: the header that carries the signature. */
    hmacHeader: headerNameSchema.optional(),
    /** `hmac` profile: how the signature is encoded. */
    hmacEncoding: z.enum(["hex", "base64"]).optional(),
    /** `hmac` profile: the header that carries the sender's delivery id (used to drop duplicates). */
    deliveryIdHeader: headerNameSchema.optional(),
  })
  .refine((input) => input.profile !== "hmac" || (input.hmacHeader && input.hmacEncoding), {
    message: "The hmac profile needs hmacHeader and hmacEncoding",
    path: ["hmacHeader"],
  })
  .refine(
    (input) =>
      input.profile === "hmac" ||
      (input.hmacHeader === undefined &&
        input.hmacEncoding === undefined &&
        input.deliveryIdHeader === undefined),
    {
      message: "hmacHeader, hmacEncoding and deliveryIdHeader apply to the hmac profile only",
      path: ["profile"],
    },
  )
  .refine(
    (input) =>
      input.profile !== "standard-webhooks" ||
      input.secret === undefined ||
      STANDARD_WEBHOOKS_SECRET.test(input.secret),
    { message: STANDARD_WEBHOOKS_SECRET_MESSAGE, path: ["secret"] },
  );
export type CreateInboundInput = z.infer<typeof createInboundInput>;

export const inboundTargetInput = z.object({ endpointId: z.uuid() });

export const rotateInboundSecretInput = inboundTargetInput.extend({
  secret: secretSchema.optional().meta({
    description:
      "The new secret when the sender generates it; generated when left out. A `standard-webhooks` endpoint takes only `whsec_` followed by base64 of at least 16 bytes (400 otherwise).",
  }),
});
export type RotateInboundSecretInput = z.infer<typeof rotateInboundSecretInput>;

export const listInboundEventsInput = inboundTargetInput.extend({
  status: z.enum(INBOUND_EVENT_STATUSES).optional(),
  /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
  ...pageFields,
});
export type ListInboundEventsInput = z.infer<typeof listInboundEventsInput>;

export const receiveInboundInput = z.object({ slug: token().min(1).max(100) });

export const inboundEndpointSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    /** Path of the public URL, below the server's origin. */
    path: z.string(),
    profile: inboundProfileSchema,
    secretLast4: z.string(),
    toleranceSeconds: z.number().int(),
    hmacHeader: z.string().nullable(),
    hmacEncoding: z.enum(["hex", "base64"]).nullable(),
    deliveryIdHeader: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "InboundEndpoint" });
export type InboundEndpointView = z.infer<typeof inboundEndpointSchema>;

/** `secret` is returned only here — on create and rotateSecret. */
export const inboundEndpointSecretOutput = z
  .object({ endpoint: inboundEndpointSchema, secret: z.string() })
  .meta({ id: "InboundEndpointWithSecret" });
export type InboundEndpointWithSecret = z.infer<typeof inboundEndpointSecretOutput>;

export const inboundEndpointListOutput = z
  .object({ items: z.array(inboundEndpointSchema), nextCursor: z.string().nullable() })
  .meta({ id: "InboundEndpointList" });

export const inboundEventSchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    deliveryId: z.string(),
    eventType: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
    status: z.enum(INBOUND_EVENT_STATUSES),
    receivedAt: z.date(),
    processedAt: z.date().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: "InboundEvent" });
export type InboundEventView = z.infer<typeof inboundEventSchema>;

export const inboundEventPageOutput = z
  .object({ items: z.array(inboundEventSchema), nextCursor: z.string().nullable() })
  .meta({ id: "InboundEventPage" });

export const receiveInboundOutput = z
  .object({
    eventId: z.uuid(),
    /** True when this delivery id was already received; nothing new was stored. */
    duplicate: z.boolean(),
  })
  .meta({ id: "InboundReceipt" });
export type InboundReceipt = z.infer<typeof receiveInboundOutput>;
