import { z } from "zod";
import { orgWideScopesIn } from "../../core/policy";
import { API_KEY_PREFIX } from "../../core/principal";
import { NOT_BLANK, singleLine } from "../../core/text-input";
import { apiKeyScopeSchema } from "../shared/schemas";

export const API_KEY_STATUSES = ["active", "expired", "revoked"] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

/** Seven days: long enough to redeploy every client, short enough that a leaked old secret dies soon. */
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 60 * 60;

/** A Date through tRPC (superjson), or ISO 8601 text with an offset from REST. */
const instant = z.union([z.date(), z.iso.datetime({ offset: true })]);

const keyNameSchema = singleLine()
  .trim()
  .min(1, "Name is required")
  .regex(NOT_BLANK, "Must not be blank")
  .max(100);

const createApiKeyFields = z.object({
  name: keyNameSchema,
  scopes: z
    .array(apiKeyScopeSchema)
    .min(1, "Choose at least one scope")
    .refine((scopes) => new Set(scopes).size === scopes.length, "Scopes must not repeat"),
  /** Restricts the key to one bot of the organization. */
  botId: z.uuid().optional(),
  expiresAt: instant
    .refine((at) => new Date(at).getTime() > Date.now(), "Expiry must be in the future")
    .optional(),
});

/** A bot cannot filter what an org-wide scope reaches (members, audit, webhooks): see policy.ts. */
export const createApiKeyInput = createApiKeyFields.superRefine((input, issues) => {
  const orgWide = input.botId === undefined ? [] : orgWideScopesIn(input.scopes);
  if (orgWide.length > 0) {
    issues.addIssue({
      code: "custom",
      path: ["scopes"],
      message: `A key restricted to one bot cannot hold org-wide scopes: ${orgWide.join(", ")}`,
    });
  }
});
export type CreateApiKeyInput = z.infer<typeof createApiKeyInput>;

export const keyTargetInput = z.object({ keyId: z.uuid() });
export type KeyTargetInput = z.infer<typeof keyTargetInput>;

export const rotateApiKeyInput = keyTargetInput.extend({
  /** How long the replaced secret keeps working; 0 stops it at once. */
  gracePeriodSeconds: z.number().int().min(0).max(MAX_GRACE_PERIOD_SECONDS).default(0),
});
export type RotateApiKeyInput = z.infer<typeof rotateApiKeyInput>;

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.literal(API_KEY_PREFIX),
    last4: z.string(),
    scopes: z.array(apiKeyScopeSchema),
    botId: z.uuid().nullable(),
    createdBy: z.object({ id: z.uuid(), email: z.string() }).nullable(),
    createdAt: z.date(),
    expiresAt: z.date().nullable(),
    lastUsedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
    status: z.enum(API_KEY_STATUSES),
  })
  .meta({ id: "ApiKey" });
export type ApiKeyView = z.infer<typeof apiKeySchema>;

export const apiKeyListOutput = z
  .object({ items: z.array(apiKeySchema), nextCursor: z.string().nullable() })
  .meta({ id: "ApiKeyList" });

/** `key` is the secret, returned only here — once, on create and rotate. */
export const apiKeySecretOutput = z
  .object({ apiKey: apiKeySchema, key: z.string() })
  .meta({ id: "ApiKeyWithSecret" });
export type ApiKeyWithSecret = z.infer<typeof apiKeySecretOutput>;

export const apiKeyOutput = z.object({ apiKey: apiKeySchema }).meta({ id: "ApiKeyResult" });
