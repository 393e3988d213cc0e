import type { oas31 } from "zod-openapi";
import { type DocumentSchemas, describeErrors, loadDocumentSchemas } from "./document";
import type { ContractMismatch } from "./gaps";
import { type DocumentOperation, indexOperations, type OperationIndex } from "./operations";

/** A response as it went on the wire. */
export interface ObservedResponse {
  method: string;
  /** The request's path, with the server base (`/api/v1/bots/…`). */
  pathname: string;
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface ResponseContract {
  schemas: DocumentSchemas;
  index: OperationIndex;
  /** What in `observed` disagrees with the document; empty when it matches or is not a REST answer. */
  check(observed: ObservedResponse): ContractMismatch[];
}

const mediaTypeOf = (contentType: string | undefined) =>
  contentType?.split(";", 1)[0]?.trim().toLowerCase() ?? "";

function declaredResponse(
  schemas: DocumentSchemas,
  operation: DocumentOperation,
  status: number,
): oas31.ResponseObject | undefined {
  const responses = operation.operation.responses ?? {};
  const found = responses[String(status)] ?? responses[`${String(status).charAt(0)}XX`] ?? responses.default;
  return schemas.deref<oas31.ResponseObject>(found);
}

function mediaMatches(declared: string, actual: string): boolean {
  if (declared === "*/*" || declared === actual) return true;
  return declared.endsWith("/*") && actual.startsWith(declared.slice(0, -1));
}

/** A header's text checked against its schema: numbers are compared as numbers. */
function headerValue(schema: oas31.SchemaObject | undefined, text: string): unknown {
  const numeric = schema?.type === "integer" || schema?.type === "number";
  return numeric && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function checkHeaders(
  schemas: DocumentSchemas,
  response: oas31.ResponseObject,
  observed: ObservedResponse,
): string[] {
  const problems: string[] = [];
  for (const [name, declared] of Object.entries(response.headers ?? {})) {
    const header = schemas.deref<oas31.HeaderObject>(declared);
    if (!header) continue;
    const value = observed.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`declared header ${name} is missing`);
      continue;
    }
    if (!header.schema) continue;
    const validate = schemas.validator(header.schema);
    if (!validate(headerValue(schemas.resolve(header.schema), value))) {
      problems.push(`header ${name}: ${describeErrors(validate).join("; ")}`);
    }
  }
  return problems;
}

function checkBody(
  schemas: DocumentSchemas,
  response: oas31.ResponseObject,
  observed: ObservedResponse,
): string[] {
  const bodyless = observed.method === "HEAD" || observed.status === 204 || observed.status === 304;
  const content = Object.entries(response.content ?? {});
  if (content.length === 0 || bodyless) {
    return observed.body.length > 0 && !bodyless ? ["a body where the document declares none"] : [];
  }
  const mediaType = mediaTypeOf(observed.headers["content-type"]);
  const declared = content.find(([type]) => mediaMatches(type, mediaType));
  if (!declared)
    return [
      `content type ${mediaType || "(none)"} is not one of ${content.map(([type]) => type).join(", ")}`,
    ];
  const schema = declared[1].schema;
  if (!schema) return [];
  let value: unknown = observed.body.toString("utf8");
  if (/json$/.test(mediaType)) {
    try {
      value = JSON.parse(value as string);
    } catch {
      return ["the body is not JSON"];
    }
  }
  const validate = schemas.validator(schema);
  return validate(value) ? [] : describeErrors(validate);
}

export function responseContract(schemas: DocumentSchemas): ResponseContract {
  const index = indexOperations(schemas);
  return {
    schemas,
    index,
    check(observed) {
      const matched = index.match(observed.method, observed.pathname);
      if (!matched || observed.method === "OPTIONS") return [];
      const { operation } = matched;
      if (!operation) {
        const allow = observed.headers.allow ?? "";
        const allowsRight = matched.allowed.every((method) => allow.split(/,\s*/).includes(method));
        if (observed.status === 405 && allowsRight) return [];
        const message = `${observed.method} answered ${observed.status}${allow ? ` (Allow: ${allow})` : ""}, not 405 with Allow: ${matched.allowed.join(", ")}`;
        return [
          {
            check: "method",
            operation: `${observed.method} ${matched.path}`,
            status: observed.status,
            message,
          },
        ];
      }
      const response = declaredResponse(schemas, operation, observed.status);
      const name = operation.name;
      if (!response) {
        const declared = Object.keys(operation.operation.responses ?? {}).join(", ");
        return [
          {
            check: "status",
            operation: name,
            status: observed.status,
            message: `undeclared status (declared: ${declared})`,
          },
        ];
      }
      return [
        ...checkHeaders(schemas, response, observed).map((message) => ({
          check: "header" as const,
          message,
        })),
        ...checkBody(schemas, response, observed).map((message) => ({ check: "body" as const, message })),
      ].map((problem) => ({ ...problem, operation: name, status: observed.status }));
    },
  };
}

let loaded: Promise<ResponseContract> | undefined;

export function loadResponseContract(): Promise<ResponseContract> {
  loaded ??= loadDocumentSchemas().then(responseContract);
  return loaded;
}
