import { ACTION_HTTP_METHODS, ACTION_RUN_STATUSES, ACTION_RUN_TRIGGERS, ACTION_TYPES } from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { multiLine, NOT_BLANK, singleLine, text, token } from "../../core/text-input";

const nameSchema = singleLine()
  .trim()
  .min(1, "Name is required")
  .regex(NOT_BLANK, "Must not be blank")
  .max(100);
const descriptionSchema = multiLine().max(1_000);

/**
 * JSON values, their strings (keys included) under the storable-text rule: jsonb refuses `\u0000`, and
 * a parameter is opaque data, so nothing stricter applies. Nesting is bounded by explicit levels, not
 * recursion: the document's generated client types cannot express a recursive alias.
 */
const jsonKey = text().max(200);
const jsonScalar = z
  .union([z.null(), z.boolean(), z.number(), text().max(100_000)])
  .meta({ id: "JsonScalar" });
type JsonSchema = z.ZodType<unknown>;
const jsonLevels: JsonSchema[] = [jsonScalar];
for (let depth = 1; depth <= 8; depth++) {
  const inner = jsonLevels[depth - 1] as JsonSchema;
  jsonLevels.push(
    z
      .union([jsonScalar, z.array(inner).max(1_000), z.record(jsonKey, inner)])
      .meta({ id: `JsonDepth${depth}` }),
  );
}
/** A JSON object whose values nest at most `depth` levels. */
const jsonObject = (depth: number) =>
  z.record(jsonKey, jsonLevels[depth] as JsonSchema) as z.ZodType<Record<string, unknown>>;

/** The JSON Schema (draft 2020-12 subset ajv compiles) of a run's parameters; its root is an object. */
const paramSchemaSchema = jsonObject(8)
  .refine((value) => JSON.stringify(value).length <= 16_384, "The parameter schema is limited to 16 KB")
  // The object root the service checks (assertParamSchema), declared; that the rest compiles is not.
  .meta({ properties: { type: { const: "object" } }, required: ["type"] });

const headerNameSchema = token()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "Not a valid header name");

/** `{{param}}` placeholders are filled from the run's parameters; no line breaks (header injection). */
const templateSchema = singleLine().min(1).max(2_000);

const httpConfigInput = z.object({
  type: z.literal("http"),
  method: z.enum(ACTION_HTTP_METHODS),
  /** https (SSRF rules apply); placeholders only after the host, so parameters never pick the server. */
  urlTemplate: templateSchema,
  headerTemplates: z.record(headerNameSchema, templateSchema).default({}),
  /** An integration whose encrypted credential authenticates the request (added when sent, never shown). */
  integrationId: z.uuid().nullable().default(null),
});

const emailConfigInput = z.object({
  type: z.literal("email"),
  /** Fixed recipients: parameters never choose where mail goes. */
  recipients: z.array(z.email().max(254)).min(1).max(10),
  subjectTemplate: singleLine().min(1).max(200),
  bodyTemplate: multiLine().min(1).max(10_000),
});

export const actionConfigInput = z
  .discriminatedUnion("type", [httpConfigInput, emailConfigInput])
  .meta({ id: "ActionConfigInput" });
export type ActionConfigInput = z.output<typeof actionConfigInput>;

const allowedBotIdsSchema = z.array(z.uuid()).max(100);

export const createActionInput = z.object({
  name: nameSchema,
  description: descriptionSchema.default(""),
  paramSchema: paramSchemaSchema,
  config: actionConfigInput,
  allowedBotIds: allowedBotIdsSchema.default([]),
  enabled: z.boolean().default(true),
});
export type CreateActionInput = z.output<typeof createActionInput>;

export const actionTargetInput = z.object({ actionId: z.uuid() });

export const updateActionInput = actionTargetInput.extend({
  name: nameSchema.optional(),
  description: descriptionSchema.optional(),
  paramSchema: paramSchemaSchema.optional(),
  /** Replaces the whole configuration (the type may change). */
  config: actionConfigInput.optional(),
  allowedBotIds: allowedBotIdsSchema.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateActionInput = z.output<typeof updateActionInput>;

export const testActionInput = actionTargetInput.extend({ input: jsonObject(4) });
export type TestActionInput = z.output<typeof testActionInput>;

export const runActionInput = actionTargetInput.extend({
  /** The bot on whose behalf it runs: the action must allow it and it must allow the action. */
  botId: z.uuid(),
  conversationId: z.uuid().optional(),
  input: jsonObject(4),
});
export type RunActionInput = z.output<typeof runActionInput>;

export const listRunsInput = actionTargetInput.extend(pageFields);
export type ListRunsInput = z.output<typeof listRunsInput>;

export const runTargetInput = z.object({ runId: z.uuid() });

const httpConfigView = z.object({
  type: z.literal("http"),
  method: z.enum(ACTION_HTTP_METHODS),
  urlTemplate: z.string(),
  headerTemplates: z.record(z.string(), z.string()),
  integrationId: z.uuid().nullable(),
});
const emailConfigView = z.object({
  type: z.literal("email"),
  recipients: z.array(z.string()),
  subjectTemplate: z.string(),
  bodyTemplate: z.string(),
});

export const actionSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    type: z.enum(ACTION_TYPES),
    paramSchema: z.record(z.string(), z.unknown()),
    config: z.discriminatedUnion("type", [httpConfigView, emailConfigView]).meta({ id: "ActionConfig" }),
    allowedBotIds: z.array(z.uuid()),
    enabled: z.boolean(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Action" });
export type ActionView = z.infer<typeof actionSchema>;

export const actionOutput = z.object({ action: actionSchema }).meta({ id: "ActionResult" });
export const actionListOutput = z
  .object({ items: z.array(actionSchema), nextCursor: z.string().nullable() })
  .meta({ id: "ActionList" });

export const actionRunSchema = z
  .object({
    id: z.uuid(),
    actionId: z.uuid(),
    botId: z.uuid().nullable(),
    conversationId: z.uuid().nullable(),
    trigger: z.enum(ACTION_RUN_TRIGGERS),
    status: z.enum(ACTION_RUN_STATUSES),
    input: z.record(z.string(), z.unknown()),
    /** The HTTP answer (status and body, capped at 16 KB) or the recipients mailed; null until it ran. */
    output: z
      .object({
        httpStatus: z.int().nullable(),
        body: z.string().nullable(),
        truncated: z.boolean(),
        recipients: z.array(z.string()),
      })
      .nullable(),
    error: z.string().nullable(),
    latencyMs: z.int().nullable(),
    attempts: z.int(),
    startedAt: z.date().nullable(),
    finishedAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "ActionRun" });
export type ActionRunView = z.infer<typeof actionRunSchema>;

export const actionRunOutput = z.object({ run: actionRunSchema }).meta({ id: "ActionRunResult" });
export const actionRunListOutput = z
  .object({ items: z.array(actionRunSchema), nextCursor: z.string().nullable() })
  .meta({ id: "ActionRunList" });
