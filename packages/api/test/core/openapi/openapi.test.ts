import { compileErrors, validate } from "@readme/openapi-parser";
import type { AnyProcedure } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { oas31 } from "zod-openapi";
import { createOpenApiDocument } from "../../../src/core/openapi/document";
import { loadRouter, restProcedures } from "../../../src/core/openapi/procedures";
import { API_KEY_SCOPES, PERMISSIONS, type Permission, scopesGranting } from "../../../src/core/policy";
import { orgProcedure, type ProcedureMeta, publicProcedure, router } from "../../../src/core/trpc";
import { appRouter } from "../../../src/root";

const ERROR_STATUSES = ["400", "401", "403", "404", "405", "429", "500"];

interface Declared {
  path: string;
  meta: ProcedureMeta & { rest: NonNullable<ProcedureMeta["rest"]> };
  inputs: unknown[];
  output: unknown;
}

/** Every procedure that declares `meta.rest`, found by walking the router itself (lazy parts included). */
async function declaredRoutes(): Promise<Declared[]> {
  await loadRouter(appRouter);
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).flatMap(
    ([path, proc]) => {
      const def = proc._def as typeof proc._def & { output?: unknown; meta?: ProcedureMeta };
      return def.meta?.rest
        ? [{ path, meta: def.meta as Declared["meta"], inputs: def.inputs, output: def.output }]
        : [];
    },
  );
}

type Operation = oas31.OperationObject & { "x-kyro-scopes"?: string[] };

function operationOf(document: oas31.OpenAPIObject, declared: Declared): Operation | undefined {
  const item = document.paths?.[declared.meta.rest.path] as Record<string, Operation> | undefined;
  return item?.[declared.meta.rest.method.toLowerCase()];
}

const camelCase = (path: string) => path.replace(/\.(\w)/g, (_, letter: string) => letter.toUpperCase());

let document: oas31.OpenAPIObject;
let declared: Declared[];

beforeAll(async () => {
  declared = await declaredRoutes();
  document = await createOpenApiDocument(appRouter, { version: "1.2.3" });
});

describe("the OpenAPI document", () => {
  it("passes a standard OpenAPI 3.1 validator with no errors or warnings", async () => {
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    expect(result.valid ? "" : compileErrors(result)).toBe("");
    expect(result.warnings).toEqual([]);
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: "Kyro", version: "1.2.3" });
    expect(document.servers).toEqual([{ url: "/api/v1" }]);
  });

  it("covers at least the routes of this issue (sanity minimum for the walk below)", () => {
    const routes = declared.map((entry) => `${entry.meta.rest.method} ${entry.meta.rest.path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /me",
        "GET /audit-events",
        "GET /audit-events/export",
        "GET /org",
        "PATCH /org",
        "GET /members",
      ]),
    );
  });

  it("has one operation per REST procedure with its operationId, tags, summary and security", () => {
    const operationIds = new Set<string>();
    const tagNames = new Set((document.tags ?? []).map((tag) => tag.name));
    for (const entry of declared) {
      const operation = operationOf(document, entry);
      expect(operation, entry.path).toBeDefined();
      if (!operation) continue;
      expect(operation.operationId).toBe(camelCase(entry.path));
      expect(operationIds.has(operation.operationId ?? "")).toBe(false);
      operationIds.add(operation.operationId ?? "");
      expect(operation.summary).toBe(entry.meta.rest.summary);
      expect(operation.tags).toEqual([...entry.meta.rest.tags]);
      for (const tag of entry.meta.rest.tags) expect(tagNames.has(tag), tag).toBe(true);
      expect(operation.security?.length, entry.path).toBeGreaterThanOrEqual(
        entry.meta.requires === "public" && !entry.meta.rest.auth ? 0 : 1,
      );
    }
    const counted = Object.values(document.paths ?? {}).flatMap((item) => Object.keys(item ?? {}));
    const aliases = declared.flatMap((entry) => entry.meta.rest.aliases ?? []);
    expect(counted).toHaveLength(declared.length + aliases.length);
  });

  it("names the API-key scopes that grant each operation, in its description and x-kyro-scopes", () => {
    for (const entry of declared) {
      const operation = operationOf(document, entry);
      const requires = entry.meta.requires;
      const expected = PERMISSIONS.includes(requires as Permission)
        ? scopesGranting(requires as Permission)
        : requires === "authenticated"
          ? [...API_KEY_SCOPES]
          : [];
      expect(operation?.["x-kyro-scopes"], entry.path).toEqual(expected);
      if (PERMISSIONS.includes(requires as Permission)) {
        for (const scope of expected) expect(operation?.description).toContain(`\`${scope}\``);
      }
    }
  });

  it("documents the three bearer schemes: API keys, access tokens and widget sessions", () => {
    const schemes = document.components?.securitySchemes as Record<string, oas31.SecuritySchemeObject>;
    expect(Object.keys(schemes).sort()).toEqual(["accessToken", "apiKey", "widgetSession"]);
    for (const scheme of Object.values(schemes))
      expect(scheme).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemes.apiKey?.description).toContain("kyro_sk_");
    expect(schemes.widgetSession?.description).toContain("Origin");
  });

  it("answers every error status with its shared error response on every operation", () => {
    for (const entry of declared) {
      const responses = operationOf(document, entry)?.responses ?? {};
      for (const status of ERROR_STATUSES) {
        expect(responses[status], `${entry.path} ${status}`).toEqual({
          $ref: `#/components/responses/Error${status}`,
        });
      }
    }
  });

  it("derives parameters and bodies from the input schema; orgId is optional for API keys", () => {
    for (const entry of declared) {
      const operation = operationOf(document, entry);
      const parameters = (operation?.parameters ?? []) as oas31.ParameterObject[];
      const shape = Object.assign(
        {},
        ...entry.inputs.map((parser) => {
          const inner = parser instanceof z.ZodOptional ? parser.unwrap() : parser;
          return inner instanceof z.ZodObject ? inner.shape : {};
        }),
      ) as Record<string, unknown>;
      const bodySchema = (operation?.requestBody as oas31.RequestBodyObject | undefined)?.content[
        "application/json"
      ]?.schema as oas31.SchemaObject | undefined;
      const documented = new Set([
        ...parameters.filter((parameter) => parameter.in !== "header").map((parameter) => parameter.name),
        ...Object.keys(bodySchema?.properties ?? {}),
      ]);
      expect([...documented].sort(), entry.path).toEqual(Object.keys(shape).sort());
      if (entry.meta.rest.method === "GET") expect(bodySchema, entry.path).toBeUndefined();
      const orgId = parameters.find((parameter) => parameter.name === "orgId");
      // An operator's target org (`/admin/orgs/{orgId}`) is a path parameter, not the caller's org.
      if ("orgId" in shape && !entry.meta.rest.path.includes("{orgId}")) {
        expect(orgId, entry.path).toMatchObject({ in: "query" });
        expect(orgId?.required ?? false).toBe(false);
        expect(orgId?.description).toMatch(/API key/);
      }
    }
  });

  it("describes the list query's types: integer limit, enum filters, ISO date-times", () => {
    const operation = document.paths?.["/audit-events"]?.get as Operation;
    const parameter = (name: string) =>
      (operation.parameters as oas31.ParameterObject[]).find((entry) => entry.name === name)?.schema;
    expect(parameter("limit")).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 20 });
    expect(parameter("actorType")).toMatchObject({ type: "string", enum: ["user", "api_key", "system"] });
    expect(JSON.stringify(parameter("from"))).toContain('"format":"date-time"');
  });

  it("makes named schemas components and renders output dates as date-time strings", () => {
    const schemas = document.components?.schemas ?? {};
    for (const id of [
      "BadRequestError",
      "NotFoundError",
      "AuditEvent",
      "AuditEventPage",
      "Organization",
      "Member",
    ]) {
      expect(schemas[id], id).toBeDefined();
    }
    const event = schemas.AuditEvent as oas31.SchemaObject;
    expect(event.properties?.createdAt).toEqual({ type: "string", format: "date-time" });
    const list = document.paths?.["/audit-events"]?.get?.responses?.["200"] as oas31.ResponseObject;
    expect(list.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/AuditEventPage",
    });
  });

  it("documents a stream by its content types: text for CSV, an array of events for JSON", () => {
    const exported = document.paths?.["/audit-events/export"]?.get?.responses?.[
      "200"
    ] as oas31.ResponseObject;
    expect(exported.content).toEqual({
      "text/csv": { schema: { type: "string" } },
      "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/AuditEvent" } } },
    });
  });

  it("documents PATCH /org with a JSON body and orgId in the query", () => {
    const operation = document.paths?.["/org"]?.patch as Operation;
    const body = (operation.requestBody as oas31.RequestBodyObject).content["application/json"]
      ?.schema as oas31.SchemaObject;
    expect(Object.keys(body.properties ?? {}).sort()).toEqual([
      "escalationEmail",
      "name",
      "slug",
      "timeZone",
    ]);
    expect((operation.parameters as oas31.ParameterObject[]).map((parameter) => parameter.name)).toEqual([
      "orgId",
    ]);
  });
});

describe("generation", () => {
  it("is deterministic and leaves the shared zod schemas untouched", async () => {
    const schemas = declared
      .flatMap((entry) => [...entry.inputs, entry.output])
      .filter((schema): schema is z.ZodType => schema instanceof z.ZodType);
    const snapshot = () =>
      schemas.map((schema) => ({
        json: JSON.stringify(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" })),
        meta: JSON.stringify(z.globalRegistry.get(schema) ?? null),
        keys: schema instanceof z.ZodObject ? Object.keys(schema.shape) : null,
      }));
    expect(schemas.length).toBeGreaterThan(declared.length);
    const before = snapshot();
    const again = await createOpenApiDocument(appRouter, { version: "1.2.3" });
    expect(snapshot()).toEqual(before);
    expect(JSON.stringify(again)).toBe(JSON.stringify(document));
  });

  it("refuses two procedures declaring the same method and path", async () => {
    const rest = { method: "GET", path: "/things/{orgId}", summary: "Things", tags: ["t"] } as const;
    const clash = router({
      a: orgProcedure("org:read", { rest })
        .output(z.object({}))
        .query(() => ({})),
      b: orgProcedure("org:read", { rest: { ...rest, path: "/things/{id}" } })
        .input(z.object({ id: z.string() }))
        .output(z.object({}))
        .query(() => ({})),
    });
    await expect(restProcedures(clash)).rejects.toThrow(/both declare GET/);
  });

  it("refuses a path segment that is not an input field, and an input that is not an object", async () => {
    const missing = router({
      a: publicProcedure({ rest: { method: "GET", path: "/a/{nope}", summary: "A", tags: [] } })
        .input(z.object({ id: z.string() }))
        .output(z.object({}))
        .query(() => ({})),
    });
    await expect(restProcedures(missing)).rejects.toThrow(/\{nope\} is not an input field/);
    const scalar = router({
      a: publicProcedure({ rest: { method: "POST", path: "/a", summary: "A", tags: [] } })
        .input(z.string())
        .output(z.object({}))
        .mutation(() => ({})),
    });
    await expect(restProcedures(scalar)).rejects.toThrow(/must be an object schema/);
  });

  it("documents a public operation without security", async () => {
    const open = router({
      ping: publicProcedure({ rest: { method: "GET", path: "/ping", summary: "Ping", tags: ["misc"] } })
        .input(z.object({}))
        .output(z.object({ ok: z.boolean() }))
        .query(() => ({ ok: true })),
    });
    const doc = await createOpenApiDocument(open, { version: "0" });
    expect(doc.paths?.["/ping"]?.get).toMatchObject({
      operationId: "ping",
      security: [],
      "x-kyro-scopes": [],
    });
  });
});
