import type { AnyRouter } from "@trpc/server";
import { z } from "zod";
import {
  createDocument,
  type oas31,
  type ZodOpenApiContentObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import { eventPayloadSchemas } from "../events/json-schema";
import { API_KEY_SCOPES, type ApiKeyScope, type Requirement, scopesGranting } from "../policy";
import type { RestAlias, RestMeta, RestStreamMeta } from "../rest-meta";
import { token } from "../text-input";
import { ERROR_ANSWERS, REASON_DESCRIPTIONS, reasonEnvelope, type StatusCode } from "./error-envelope";
import { HEADER_COMPONENTS, headersOf, SECURITY_SCHEMES } from "./http-headers";
import { type RestProcedure, restProcedures } from "./procedures";
import { webhooksSection } from "./webhooks";

export interface OpenApiOptions {
  version: string;
  /** Base of the operation paths; relative to the document's own URL unless absolute. */
  serverUrl?: string;
}

export const SCOPES_EXTENSION = "x-kyro-scopes";

export const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

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

/** The credentials an operation takes; `[]` only where it takes none. */
export function securityOf(entry: RestProcedure): oas31.SecurityRequirementObject[] {
  if (entry.rest.auth === "widgetSession") return [{ widgetSession: [] }];
  if (entry.requires === "public") return [];
  if (entry.requires === "authenticated") return [{ apiKey: [] }, { accessToken: [] }];
  return accessOf(entry.requires).scopes.length > 0
    ? [{ apiKey: [] }, { accessToken: [] }]
    : [{ accessToken: [] }];
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

const json = (schema: z.ZodType) => ({ "application/json": { schema } });

function responsesOf(entry: RestProcedure, deprecated: boolean): ZodOpenApiResponsesObject {
  const { rest, output } = entry;
  const success = String(rest.successStatus ?? 200) as StatusCode;
  const headers = headersOf(success, { location: rest.location !== undefined, deprecated });
  const responses: ZodOpenApiResponsesObject = {};
  if (rest.eventStream) {
    const events = Object.entries(rest.eventStream.events)
      .map(([name, meaning]) => `\`${name}\`: ${meaning}`)
      .join("; ");
    responses[success] = {
      description: `Server-Sent Events, sent as they happen. Events: ${events}.`,
      headers,
      content: { "text/event-stream": { schema: { type: "string" } } },
    };
  } else if (rest.stream) {
    responses[success] = {
      description: `A file download (\`Content-Disposition: attachment\`), chosen by \`${rest.stream.formatField}\`.`,
      headers,
      content: streamContent(rest.stream),
    };
  } else if (success === "204") {
    responses[success] = { description: rest.summary, headers };
  } else {
    responses[success] = { description: rest.summary, headers, ...(output ? { content: json(output) } : {}) };
  }
  for (const status of Object.keys(ERROR_ANSWERS) as StatusCode[]) {
    if (status === "413" && !BODY_METHODS.has(rest.method)) continue;
    responses[status] = { $ref: `#/components/responses/Error${status}` };
  }
  if (rest.conflicts?.length) {
    responses["409"] = {
      description: REASON_DESCRIPTIONS["409"],
      headers: headersOf("409"),
      content: json(reasonEnvelope("CONFLICT", rest.conflicts)),
    };
  }
  if (rest.unprocessable?.length) {
    responses["422"] = {
      description: REASON_DESCRIPTIONS["422"],
      headers: headersOf("422"),
      content: json(reasonEnvelope("UNPROCESSABLE_CONTENT", rest.unprocessable)),
    };
  }
  return responses;
}

/** The shared error answers, one component per status (409 and 422 are per operation). */
function errorResponseComponents(): Record<string, ZodOpenApiResponseObject> {
  return Object.fromEntries(
    Object.entries(ERROR_ANSWERS).map(([status, answer]) => [
      `Error${status}`,
      { description: answer.description, headers: headersOf(status), content: json(answer.schema) },
    ]),
  );
}

/** A raw-body route's body is the sender's own payload, verified byte for byte rather than parsed. */
const RAW_BODY = {
  required: true,
  description: "The sender's payload exactly as signed (usually JSON).",
  content: { "*/*": { schema: z.string().meta({ description: "Raw bytes" }) } },
};

const ORG_ID_DESCRIPTION =
  "The organization. Optional with an API key (it defaults to the key's own organization); required with an access token.";

const ORIGIN_HEADER = z.object({
  Origin: token()
    .max(2000)
    .meta({ description: "The embedding page's origin; the bot's `allowedDomains` must allow it." }),
});

/**
 * The body's schema: strict (the shim refuses unknown keys), with the operation's cross-field rules,
 * and at least one field on a PATCH (the shim refuses an empty one).
 */
function bodySchemaOf(rest: RestMeta, body: Record<string, z.ZodType>): z.ZodType {
  const rules: Record<string, unknown> = { ...rest.bodyRules };
  if (rest.method === "PATCH") rules.minProperties = 1;
  return z.strictObject(body).meta(rules);
}

function operationOf(entry: RestProcedure, served: Pick<RestMeta, "method" | "path">, alias?: RestAlias) {
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
  // A body with alternatives (`anyOf`/`oneOf`: a name or a template) needs one of them, so it is required.
  const bodyRequired =
    rest.method === "PATCH" ||
    rest.bodyRules?.anyOf !== undefined ||
    rest.bodyRules?.oneOf !== undefined ||
    Object.values(body).some((field) => !field.safeParse(undefined).success);
  const sunset = alias
    ? `Deprecated on ${alias.deprecatedOn}; removed on ${alias.sunset}: use \`${rest.method} ${rest.path}\`.`
    : "";
  const operation: ZodOpenApiOperationObject = {
    operationId: `${operationIdOf(entry.procedure)}${alias ? `Via${alias.method.charAt(0)}${alias.method.slice(1).toLowerCase()}` : ""}`,
    summary: rest.summary,
    description: [sunset, rest.description, access.text].filter(Boolean).join("\n\n"),
    tags: [...rest.tags],
    ...(alias ? { deprecated: true } : {}),
    security: securityOf(entry),
    [SCOPES_EXTENSION]: access.scopes,
    requestParams: {
      ...(pathParams.length ? { path: z.object(path) } : {}),
      ...(Object.keys(query).length ? { query: z.object(query) } : {}),
      ...(rest.auth === "widgetSession" || rest.requiresOrigin ? { header: ORIGIN_HEADER } : {}),
    },
    ...(Object.keys(body).length
      ? { requestBody: { required: bodyRequired, content: json(bodySchemaOf(rest, body)) } }
      : {}),
    ...(rest.rawBody ? { requestBody: RAW_BODY } : {}),
    responses: responsesOf(entry, alias !== undefined),
  };
  return {
    method: served.method.toLowerCase() as Lowercase<RestMeta["method"]>,
    path: served.path,
    operation,
  };
}

/**
 * The OpenAPI 3.1 document of every REST route (and every deprecated alias of one) and every webhook
 * event, generated from the procedures' own zod schemas and `meta.rest`. Deterministic for a given
 * router, and it builds new schemas rather than touching shared ones.
 */
export async function createOpenApiDocument(
  router: AnyRouter,
  options: OpenApiOptions,
): Promise<oas31.OpenAPIObject> {
  const entries = await restProcedures(router);
  const operationIds = new Map<string, string>();
  const paths: ZodOpenApiPathsObject = {};
  for (const entry of entries) {
    const served = [
      operationOf(entry, entry.rest),
      ...(entry.rest.aliases ?? []).map((alias) => operationOf(entry, alias, alias)),
    ];
    for (const { method, path, operation } of served) {
      const id = operation.operationId ?? "";
      const clash = operationIds.get(id);
      if (clash) throw new Error(`operationId ${id} is shared by ${clash} and ${entry.procedure}`);
      operationIds.set(id, entry.procedure);
      paths[path] = { ...paths[path], [method]: operation };
    }
  }
  const tags = [...new Set(entries.flatMap((entry) => entry.rest.tags))].sort();
  const events = webhooksSection();
  const document = createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Kyro",
        version: options.version,
        description:
          "The Kyro REST API. Every route is a tRPC procedure of the typed SDK, described from the same schemas; docs/api-conventions.md states the rules they follow. Errors answer with one envelope whose `details` has one shape per code.",
      },
      servers: [{ url: options.serverUrl ?? "/api/v1" }],
      tags: [...tags, "events"].map((name) => ({ name })),
      paths,
      webhooks: events.webhooks,
      components: {
        schemas: { ...eventPayloadSchemas(), ...events.schemas },
        headers: HEADER_COMPONENTS,
        responses: errorResponseComponents(),
        securitySchemes: SECURITY_SCHEMES,
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
