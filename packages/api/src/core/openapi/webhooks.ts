import type { oas31, ZodOpenApiPathsObject } from "zod-openapi";
import { EVENT_CATALOGUE, EVENT_TYPES } from "../events/catalogue";
import { eventComponentId, type JsonSchema } from "../events/json-schema";

/** The Standard Webhooks headers every delivery carries (docs/webhooks.md). */
const SIGNATURE_HEADERS: oas31.ParameterObject[] = [
  {
    in: "header",
    name: "webhook-id",
    required: true,
    description:
      "The message id: the same on every attempt and replay of one event, so receivers can drop duplicates.",
    schema: { type: "string" },
  },
  {
    in: "header",
    name: "webhook-timestamp",
    required: true,
    description: "When this attempt was signed (Unix seconds); refuse stale ones.",
    schema: { type: "string", pattern: "^[0-9]+$" },
  },
  {
    in: "header",
    name: "webhook-signature",
    required: true,
    description:
      "`v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`, space-separated while a secret rotates.",
    schema: { type: "string" },
  },
];

/**
 * The OpenAPI 3.1 `webhooks` section: one entry per event type, whose request body is the delivered
 * envelope `{ type, timestamp, data }` with `data` the event's payload component, plus the envelope
 * components themselves.
 */
export function webhooksSection(): { webhooks: ZodOpenApiPathsObject; schemas: Record<string, JsonSchema> } {
  const webhooks: ZodOpenApiPathsObject = {};
  const schemas: Record<string, JsonSchema> = {};
  for (const type of EVENT_TYPES) {
    const payload = eventComponentId(type);
    const envelope = `${payload}Envelope`;
    schemas[envelope] = {
      type: "object",
      description: `The body of a \`${type}\` delivery (version ${EVENT_CATALOGUE[type].version}).`,
      properties: {
        type: { type: "string", const: type },
        timestamp: { type: "string", format: "date-time" },
        data: { $ref: `#/components/schemas/${payload}` },
      },
      required: ["type", "timestamp", "data"],
      additionalProperties: false,
    };
    webhooks[type] = {
      post: {
        operationId: `event${payload.replace(/Event$/, "")}`,
        summary: EVENT_CATALOGUE[type].description,
        tags: ["events"],
        parameters: SIGNATURE_HEADERS,
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: `#/components/schemas/${envelope}` } } },
        },
        responses: {
          "2XX": { description: "Received; any 2xx status counts as delivered." },
          default: {
            description: "Anything else (or no answer within the timeout) is retried on the schedule.",
          },
        },
      },
    };
  }
  return { webhooks, schemas };
}
