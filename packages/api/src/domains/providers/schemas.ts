import { z } from "zod";
import { trimmedWebUrl } from "../../core/formats";
import { pageFields } from "../../core/pagination";
import { NOT_BLANK, singleLine, token } from "../../core/text-input";

const nameSchema = singleLine()
  .trim()
  .min(1, "Name is required")
  .regex(NOT_BLANK, "Must not be blank")
  .max(100);
/** Checked against the SSRF rules when saved (https, no private or local hosts unless allowed). */
const baseUrlSchema = trimmedWebUrl(2000);
const apiKeySchema = token().min(1).max(4096);
export const modelName = token().min(1).max(200);

export const providerTargetInput = z.object({ providerId: z.uuid() });

export const createProviderInput = z.object({
  name: nameSchema,
  /** The API root, e.g. `https://api.openai.com/v1`. */
  baseUrl: baseUrlSchema,
  apiKey: apiKeySchema,
  chatModel: modelName,
  embeddingModel: modelName.nullable().optional(),
  /** The org's first provider becomes the default whatever this says. */
  isDefault: z.boolean().optional(),
});
export type CreateProviderInput = z.infer<typeof createProviderInput>;

export const updateProviderInput = providerTargetInput.extend({
  name: nameSchema.optional(),
  baseUrl: baseUrlSchema.optional(),
  chatModel: modelName.optional(),
  embeddingModel: modelName.nullable().optional(),
});
export type UpdateProviderInput = z.infer<typeof updateProviderInput>;

export const rotateProviderKeyInput = providerTargetInput.extend({ apiKey: apiKeySchema });
export type RotateProviderKeyInput = z.infer<typeof rotateProviderKeyInput>;

export const listProvidersInput = z.object(pageFields);
export type ListProvidersInput = z.infer<typeof listProvidersInput>;

export const providerView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    baseUrl: z.string(),
    /** The key's last 4 characters; the key itself never comes back. */
    keyLast4: z.string(),
    chatModel: z.string(),
    embeddingModel: z.string().nullable(),
    isDefault: z.boolean(),
    lastTestAt: z.date().nullable(),
    lastTestError: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "AiProvider" });
export type ProviderView = z.infer<typeof providerView>;

export const providerOutput = z.object({ provider: providerView }).meta({ id: "AiProviderResult" });
export const providerListOutput = z
  .object({ items: z.array(providerView), nextCursor: z.string().nullable() })
  .meta({ id: "AiProviderPage" });

export const providerTestOutput = z
  .object({
    provider: providerView,
    test: z.object({ ok: z.boolean(), latencyMs: z.int(), error: z.string().nullable() }),
  })
  .meta({ id: "AiProviderTest" });

export const listModelsInput = providerTargetInput.extend(pageFields);
export type ListModelsInput = z.infer<typeof listModelsInput>;

export const modelListOutput = z
  .object({
    items: z.array(z.object({ id: z.string(), ownedBy: z.string().nullable() })),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "AiModelPage" });
