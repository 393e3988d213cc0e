import { INTEGRATION_AUTH_TYPES, INTEGRATION_HEALTH } from "@kyro/db";
import { z } from "zod";
import { trimmedWebUrl } from "../../core/formats";
import { NOT_BLANK, singleLine, token } from "../../core/text-input";

const nameSchema = singleLine()
  .trim()
  .min(1, "Name is required")
  .regex(NOT_BLANK, "Must not be blank")
  .max(100);

/** An HTTP header name (RFC 9110 token); the hop-by-hop and framing headers are not ours to set. */
const headerNameSchema = token()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "Not a valid header name")
  .refine(
    (name) => !["host", "content-length", "transfer-encoding", "connection"].includes(name.toLowerCase()),
    "This header cannot be set",
  );

/** Header values cannot carry line breaks or other control characters (header injection). */
const credentialSchema = singleLine().min(1).max(4096);

export const integrationAuthInput = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("none") }),
    z.object({ type: z.literal("apiKey"), headerName: headerNameSchema, key: credentialSchema }),
    z.object({ type: z.literal("bearer"), token: credentialSchema }),
    z.object({
      type: z.literal("basic"),
      username: singleLine()
        .min(1)
        .max(200)
        .regex(/^[^:]*$/, "Cannot contain `:`"),
      password: credentialSchema,
    }),
  ])
  .meta({ id: "IntegrationAuthInput" });
export type IntegrationAuthInput = z.infer<typeof integrationAuthInput>;

const baseUrlSchema = trimmedWebUrl(2000);

export const createIntegrationInput = z.object({
  name: nameSchema,
  /** Checked against the SSRF rules (https, no private or local hosts) when saved. */
  baseUrl: baseUrlSchema,
  auth: integrationAuthInput,
});
export type CreateIntegrationInput = z.infer<typeof createIntegrationInput>;

export const integrationTargetInput = z.object({ integrationId: z.uuid() });
export type IntegrationTargetInput = z.infer<typeof integrationTargetInput>;

export const updateIntegrationInput = integrationTargetInput.extend({
  name: nameSchema.optional(),
  baseUrl: baseUrlSchema.optional(),
  /** Replaces the whole authentication, credentials included. */
  auth: integrationAuthInput.optional(),
});
export type UpdateIntegrationInput = z.infer<typeof updateIntegrationInput>;

export const testIntegrationInput = integrationTargetInput.extend({
  /** Appended to the base URL; default: the base URL itself. */
  path: singleLine()
    .max(500)
    .regex(/^\/[^\s]*$/, "Must start with `/` and contain no spaces")
    .optional(),
});
export type TestIntegrationInput = z.infer<typeof testIntegrationInput>;

/** Credentials never come back: only their type, non-secret parts and at most the last 4 characters. */
export const integrationAuthView = z
  .object({
    type: z.enum(INTEGRATION_AUTH_TYPES),
    headerName: z.string().nullable(),
    username: z.string().nullable(),
    /** Last 4 characters of the key, token or password; null for none or short secrets. */
    secretLast4: z.string().nullable(),
  })
  .meta({ id: "IntegrationAuth" });

export const integrationHealthView = z
  .object({
    status: z.enum(INTEGRATION_HEALTH),
    checkedAt: z.date().nullable(),
    httpStatus: z.number().int().nullable(),
    latencyMs: z.number().int().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: "IntegrationHealth" });

export const integrationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    baseUrl: z.string(),
    auth: integrationAuthView,
    health: integrationHealthView,
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Integration" });
export type IntegrationView = z.infer<typeof integrationSchema>;

export const integrationOutput = z
  .object({ integration: integrationSchema })
  .meta({ id: "IntegrationResult" });
export const integrationListOutput = z
  .object({ items: z.array(integrationSchema), nextCursor: z.string().nullable() })
  .meta({ id: "IntegrationList" });

export const integrationTestOutput = z
  .object({
    integration: integrationSchema,
    result: z.object({
      ok: z.boolean(),
      httpStatus: z.number().int().nullable(),
      latencyMs: z.number().int(),
      error: z.string().nullable(),
    }),
  })
  .meta({ id: "IntegrationTestResult" });
export type IntegrationTestResult = z.infer<typeof integrationTestOutput>;
