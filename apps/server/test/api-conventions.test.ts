import { appRouter, createOpenApiDocument, EVENT_TYPES } from "@kyro/api";
import { beforeAll, describe, expect, it } from "vitest";
import type { oas31 } from "zod-openapi";

// docs/api-conventions.md, checked over every REST operation of the document the server serves.

type Operation = oas31.OperationObject & { operationId: string };
type Schema = oas31.SchemaObject & oas31.ReferenceObject;

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
/** Operations that take no credential at all (docs/api-conventions.md, "Authentication"). */
// An export download is authorised by its signed link (docs/exports.md), not a credential.
const PUBLIC_OPERATIONS = new Set(["exportsDownload", "integrationsInboundReceive", "widgetSessionsCreate"]);
/** A ranked search answers its best matches with its own `limit`: not a list. */
const NOT_LISTS = new Set(["knowledgeEntriesSearch"]);
const ERROR_STATUSES = ["400", "401", "403", "404", "405", "429", "500"];
const DETAILS_BY_STATUS: Record<string, string[] | null> = {
  "400": ["issues"],
  "401": null,
  "403": ["reason", "requiredScopes"],
  "404": ["resource"],
  "405": ["allow"],
  "409": ["reason", "field"],
  "413": ["limitBytes"],
  "422": ["reason"],
  "429": ["limit", "remaining", "resetAt", "policy", "scope"],
  "500": null,
};

let document: oas31.OpenAPIObject;
let operations: { method: string; path: string; operation: Operation }[];

function resolve(node: unknown): Schema | undefined {
  const schema = node as Schema | undefined;
  if (!schema?.$ref) return schema;
  const [, , section, name] = schema.$ref.split("/");
  const components = document.components as Record<string, Record<string, unknown>>;
  return resolve(components[section ?? ""]?.[name ?? ""]);
}

const where = ({ method, path }: { method: string; path: string }) => `${method.toUpperCase()} ${path}`;
const successOf = (operation: Operation) =>
  Object.entries(operation.responses ?? {}).find(([status]) => status.startsWith("2")) as
    | [string, oas31.ResponseObject]
    | undefined;
const jsonSchemaOf = (response: unknown) =>
  resolve((resolve(response) as oas31.ResponseObject | undefined)?.content?.["application/json"]?.schema);
const queryParameter = (operation: Operation, name: string) =>
  ((operation.parameters ?? []) as oas31.ParameterObject[]).find((p) => p.in === "query" && p.name === name);

beforeAll(async () => {
  document = await createOpenApiDocument(appRouter, { version: "conventions" });
  operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item?.[method] as Operation | undefined;
      return operation ? [{ method, path, operation }] : [];
    }),
  );
});

describe("every REST operation follows docs/api-conventions.md", () => {
  it("walks a router of real size", () => {
    expect(operations.length).toBeGreaterThan(60);
  });

  it("uses kebab-case plural paths, ids named after the input field, and the table's verbs", () => {
    for (const entry of operations) {
      const { method, path, operation } = entry;
      expect(path, where(entry)).toMatch(/^(\/([a-z0-9]+(-[a-z0-9]+)*|\{[a-z][A-Za-z]*\}))+$/);
      const success = successOf(operation)?.[0];
      if (method === "get") expect(operation.requestBody, where(entry)).toBeUndefined();
      if (method === "delete") expect(["200", "204"], where(entry)).toContain(success);
      if (method === "patch") expect(["200"], where(entry)).toContain(success);
      if (method === "post" && success === "201") {
        // A create answers 201 with Location when the resource it made has a URL of its own.
        const headers = successOf(operation)?.[1].headers ?? {};
        const hasGet = Object.entries(document.paths ?? {}).some(
          ([other, item]) =>
            other.startsWith(`${path}/{`) &&
            other.split("/").length === path.split("/").length + 1 &&
            item?.get,
        );
        if (hasGet) expect("Location" in headers, where(entry)).toBe(true);
      }
    }
  });

  it("paginates every list the same way: { items, nextCursor }, an opaque cursor, limit 20 by default and 100 at most", () => {
    let lists = 0;
    for (const entry of operations) {
      const { method, operation } = entry;
      const answer = jsonSchemaOf(successOf(operation)?.[1]);
      if (method !== "get" || !answer?.properties?.items || NOT_LISTS.has(operation.operationId)) continue;
      lists++;
      expect(answer.required, where(entry)).toEqual(expect.arrayContaining(["items", "nextCursor"]));
      expect(JSON.stringify(resolve(answer.properties.nextCursor)), where(entry)).toMatch(/"string"/);
      expect(queryParameter(operation, "cursor")?.schema, where(entry)).toMatchObject({ type: "string" });
      expect(queryParameter(operation, "limit")?.schema, where(entry)).toMatchObject({
        type: "integer",
        default: 20,
        maximum: 100,
      });
    }
    expect(lists).toBeGreaterThanOrEqual(15);
  });

  it("declares every status it can answer, each with its one details shape, 405 included", () => {
    for (const entry of operations) {
      const { method, operation } = entry;
      const statuses = Object.keys(operation.responses ?? {});
      expect(statuses, where(entry)).toEqual(expect.arrayContaining(ERROR_STATUSES));
      if (method !== "get") expect(statuses, where(entry)).toContain("413");
      for (const status of statuses.filter((code) => !code.startsWith("2"))) {
        const envelope = jsonSchemaOf(operation.responses?.[status]);
        const error = resolve(envelope?.properties?.error);
        expect(envelope?.additionalProperties, `${where(entry)} ${status}`).toBe(false);
        const details = resolve(error?.properties?.details);
        const keys = DETAILS_BY_STATUS[status];
        if (keys === null) expect(details?.type, `${where(entry)} ${status}`).toBe("null");
        else expect(Object.keys(details?.properties ?? {}), `${where(entry)} ${status}`).toEqual(keys);
        if (status === "409" || status === "422") {
          expect(
            resolve(details?.properties?.reason)?.enum?.length,
            `${where(entry)} ${status}`,
          ).toBeGreaterThan(0);
        }
      }
    }
  });

  it("names its credential: a security scheme, or an explicit [] only where none is taken", () => {
    const schemes = Object.keys(document.components?.securitySchemes ?? {}).sort();
    expect(schemes).toEqual(["accessToken", "apiKey", "widgetSession"]);
    for (const entry of operations) {
      const { operation } = entry;
      expect(operation.security, where(entry)).toBeDefined();
      if (operation.security?.length === 0)
        expect(PUBLIC_OPERATIONS, where(entry)).toContain(operation.operationId);
      for (const requirement of operation.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes, where(entry)).toContain(name);
      }
      if (operation.security?.some((requirement) => "widgetSession" in requirement)) {
        const origin = ((operation.parameters ?? []) as oas31.ParameterObject[]).find(
          (p) => p.in === "header",
        );
        expect(origin, where(entry)).toMatchObject({ name: "Origin", required: true });
      }
    }
  });

  it("declares the headers it sends: X-Request-Id everywhere, rate limits, Retry-After on 429, Allow on 405", () => {
    for (const entry of operations) {
      const { operation } = entry;
      const success = successOf(operation)?.[1];
      expect(Object.keys(success?.headers ?? {}), where(entry)).toEqual(
        expect.arrayContaining(["X-Request-Id", "RateLimit-Policy", "RateLimit", "X-RateLimit-Remaining"]),
      );
      if (operation.deprecated) {
        expect(Object.keys(success?.headers ?? {}), where(entry)).toEqual(
          expect.arrayContaining(["Deprecation", "Sunset"]),
        );
      }
    }
    const refused = resolve(document.components?.responses?.Error429) as oas31.ResponseObject;
    expect(Object.keys(refused.headers ?? {})).toEqual(
      expect.arrayContaining(["Retry-After", "X-Request-Id"]),
    );
    const wrongMethod = resolve(document.components?.responses?.Error405) as oas31.ResponseObject;
    expect(Object.keys(wrongMethod.headers ?? {})).toContain("Allow");
  });

  it("says what the server checks: strict bodies, at least one field on a PATCH, no \\p{…} patterns", () => {
    for (const entry of operations) {
      const { method, operation } = entry;
      const body = resolve(
        (operation.requestBody as oas31.RequestBodyObject | undefined)?.content["application/json"]?.schema,
      );
      if (!body) continue;
      expect(body.additionalProperties, where(entry)).toBe(false);
      if (method === "patch") expect(body.minProperties, where(entry)).toBe(1);
    }
    expect(JSON.stringify(document)).not.toMatch(/\\\\p\{/);
  });

  it("declares every event in the webhooks section with its envelope and the Standard Webhooks headers", () => {
    expect(Object.keys(document.webhooks ?? {}).sort()).toEqual([...EVENT_TYPES].sort());
    for (const [type, item] of Object.entries(document.webhooks ?? {})) {
      const post = (item as oas31.PathItemObject).post as Operation;
      const headers = ((post.parameters ?? []) as oas31.ParameterObject[]).map((p) => p.name);
      expect(headers).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
      const envelope = resolve(
        (post.requestBody as oas31.RequestBodyObject).content["application/json"]?.schema,
      );
      expect(envelope?.required, type).toEqual(["type", "timestamp", "data"]);
      expect(envelope?.additionalProperties, type).toBe(false);
      expect(resolve(envelope?.properties?.data)?.additionalProperties, type).toBe(false);
    }
  });
});
