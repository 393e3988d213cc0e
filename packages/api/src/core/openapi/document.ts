import type { AnyRouter } from "@trpc/server";
import { z } from "zod";
import {
  createDocument,
  type oas31,
  type ZodOpenApiContentObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import { eventPayloadComponents } from "../events/json-schema";
import { API_KEY_SCOPES, type ApiKeyScope, type Requirement, scopesGranting } from "../policy";
import { API_KEY_PREFIX } from "../principal";
import type { RestStreamMeta } from "../rest-meta";
import { ERROR_RESPONSES, errorEnvelopeSchema, type StatusCode } from "./error-envelope";
import { type RestProcedure, restProcedures } from "./procedures";

export interface OpenApiOptions {
  version: string;
  /** Base of the operation paths; relative to the document's own URL unless absolute. */
  serverUrl?: string;
}

export const BEARER_SCHEME = "bearerAuth";
export const SCOPES_EXTENSION = "x-kyro-scopes";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** `orgs.members.list` → `orgsMembersList`. */
export function operationIdOf(procedure: string): string {
  return procedure
    .split(".")
    .map((part, index) => (index === 0 ? part : `${part.charAt(0).toUpperCase()}${part.slice(1)}`))
    .join("");
}

const code = (text: string) => `\`${text}\``;

/** Which API-key scopes reach an operation, and the sentence that says so in its description. */
export function accessOf(requires: Requirement): { scopes: ApiKeyScope[]; text: string } {
  switch (requires) {
    case "public":
      return { scopes: [], text: "No credential needed." };
    case "authenticated":
      return { scopes: [...API_KEY_SCOPES], text: "Any access token or API key, whatever its scopes." };
    case "platform:admin":
      return { scopes: [], text: "Platform operators only; not available to API keys." };
    default: {
      const scopes = scopesGranting(requires);
      const keys = scopes.length
        ? `API keys need the scope ${scopes.map(code).join(" or ")}.`
        : "Not available to API keys; use an access token.";
      return { scopes, text: `Requires the permission ${code(requires)}. ${keys}` };
    }
  }
}

const isJsonType = (contentType: string) => /^application\/(?:[\w.+-]*\+)?json$/.test(contentType);

function streamContent(stream: RestStreamMeta): ZodOpenApiContentObject {
  const content: ZodOpenApiContentObject = {};
  for (const contentType of Object.values(stream.contentTypes)) {
    const mediaType = contentType.split(";", 1)[0]?.trim() ?? contentType;
    const items = stream.itemSchemaId ? { $ref: `#/components/schemas/${stream.itemSchemaId}` } : {};
    content[mediaType] = {
      schema: isJsonType(mediaType) ? { type: "array", items } : { type: "string" },
    };
  }
  return content;
}

function responsesOf(entry: RestProcedure): ZodOpenApiResponsesObject {
  const { rest, output } = entry;
  const success = String(rest.successStatus ?? 200) as StatusCode;
  const responses: ZodOpenApiResponsesObject = {};
  if (rest.eventStream) {
    const events = Object.entries(rest.eventStream.events)
      .map(([name, meaning]) => `\`${name}\`: ${meaning}`)
      .join("; ");
    responses[success] = {
      description: `Server-Sent Events, sent as they happen. Events: ${events}.`,
      content: { "text/event-stream": { schema: { type: "string" } } },
    };
  } else if (rest.stream) {
    responses[success] = {
      description: `A file download (\`Content-Disposition: attachment\`), chosen by \`${rest.stream.formatField}\`.`,
      content: streamContent(rest.stream),
    };
  } else {
    responses[success] = {
      description: rest.summary,
      // 204 No Content has no body to describe (a hard delete's `z.void()` output).
      ...(output && success !== "204" ? { content: { "application/json": { schema: output } } } : {}),
    };
  }
  for (const [status, description] of ERROR_RESPONSES) {
    responses[status] = { description, content: { "application/json": { schema: errorEnvelopeSchema } } };
  }
  return responses;
}

/** A raw-body route's body is the sender's own payload, verified byte for byte rather than parsed. */
const RAW_BODY = {
  required: true,
  description: "The sender's payload exactly as signed (usually JSON).",
  content: { "*/*": { schema: z.string().meta({ description: "Raw bytes" }) } },
};

const ORG_ID_DESCRIPTION =
  "The organization. Optional with an API key (it defaults to the key's own organization); required with an access token.";

function operationOf(entry: RestProcedure): ZodOpenApiOperationObject {
  const { rest, input, pathParams } = entry;
  const access = accessOf(entry.requires);
  const path: Record<string, z.ZodType> = {};
  const query: Record<string, z.ZodType> = {};
  const body: Record<string, z.ZodType> = {};
  const sendsBody = BODY_METHODS.has(rest.method);
  for (const [name, field] of Object.entries(input.shape) as [string, z.ZodType][]) {
    if (pathParams.includes(name)) path[name] = field;
    // orgId stays in the query on every method: it selects the tenant, not the resource.
    else if (name === "orgId") query[name] = field.optional().meta({ description: ORG_ID_DESCRIPTION });
    else if (sendsBody) body[name] = field;
    else query[name] = field;
  }
  const bodySchema = z.object(body);
  const bodyRequired = Object.values(body).some((field) => !field.safeParse(undefined).success);
  return {
    operationId: operationIdOf(entry.procedure),
    summary: rest.summary,
    description: [rest.description, access.text].filter(Boolean).join("\n\n"),
    tags: [...rest.tags],
    security: entry.requires === "public" ? [] : [{ [BEARER_SCHEME]: [] }],
    [SCOPES_EXTENSION]: access.scopes,
    requestParams: {
      ...(pathParams.length ? { path: z.object(path) } : {}),
      ...(Object.keys(query).length ? { query: z.object(query) } : {}),
    },
    ...(Object.keys(body).length
      ? { requestBody: { required: bodyRequired, content: { "application/json": { schema: bodySchema } } } }
      : {}),
    ...(rest.rawBody ? { requestBody: RAW_BODY } : {}),
    responses: responsesOf(entry),
  };
}

/**
 * The OpenAPI 3.1 document of every REST route, generated from the procedures' own zod schemas and
 * `meta.rest`. Deterministic for a given router, and it builds new schemas rather than touching shared ones.
 */
export async function createOpenApiDocument(
  router: AnyRouter,
  options: OpenApiOptions,
): Promise<oas31.OpenAPIObject> {
  const entries = await restProcedures(router);
  const operationIds = new Map<string, string>();
  const paths: ZodOpenApiPathsObject = {};
  for (const entry of entries) {
    const operation = operationOf(entry);
    const id = operation.operationId ?? "";
    const clash = operationIds.get(id);
    if (clash) throw new Error(`operationId ${id} is shared by ${clash} and ${entry.procedure}`);
    operationIds.set(id, entry.procedure);
    const method = entry.rest.method.toLowerCase() as "get" | "post" | "put" | "patch" | "delete";
    paths[entry.rest.path] = { ...paths[entry.rest.path], [method]: operation };
  }
  const tags = [...new Set(entries.flatMap((entry) => entry.rest.tags))].sort();
  const document = createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Kyro",
        version: options.version,
        description:
          "The Kyro REST API. Every route is a tRPC procedure of the typed SDK, described from the same schemas. Errors answer with the `ErrorEnvelope` body.",
      },
      servers: [{ url: options.serverUrl ?? "/api/v1" }],
      tags: tags.map((name) => ({ name })),
      paths,
      components: {
        // Webhook payloads are not REST responses; listed so clients can generate types for them.
        schemas: eventPayloadComponents(),
        securitySchemes: {
          [BEARER_SCHEME]: {
            type: "http",
            scheme: "bearer",
            description: `An API key (\`${API_KEY_PREFIX}...\`) or a user access token.`,
          },
        },
      },
    },
    {
      // Dates travel as ISO 8601 text in REST, both ways.
      override: ({ jsonSchema, zodSchema }) => {
        if (zodSchema._zod.def.type === "date") {
          jsonSchema.type = "string";
          jsonSchema.format = "date-time";
        }
      },
    },
  );
  for (const entry of entries) {
    const id = entry.rest.stream?.itemSchemaId;
    if (id && !document.components?.schemas?.[id]) {
      throw new Error(`${entry.procedure}: stream item schema ${id} is not a component of the document`);
    }
  }
  return document;
}
