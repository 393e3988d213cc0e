import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { oas31 } from "zod-openapi";
import { createOpenApiDocument } from "../../src/core/openapi/document";
import { appRouter } from "../../src/root";

/**
 * The OpenAPI document as the checks read it, and JSON Schema validators for any schema in it.
 *
 * Ajv (draft 2020-12, the dialect of OpenAPI 3.1) with ajv-formats: the project already validates
 * action parameters and event payloads with Ajv, it is the most used JSON Schema validator for Node,
 * and it checks formats (`email`, `uri`, `uuid`, `date-time`) that the response-validator libraries
 * built on older drafts skip. OpenAPI's own keywords (`example`, `discriminator`, `x-…`) are not JSON
 * Schema, so unknown keywords are tolerated (`strict: false`); everything JSON Schema says is checked.
 */

export type OpenApiDocument = oas31.OpenAPIObject;
export type SchemaObject = oas31.SchemaObject | oas31.ReferenceObject;

/** The document's own URI inside Ajv; `#/components/...` references resolve against it. */
const DOCUMENT_URI = "https://kyro.invalid/openapi.json";

/** OpenAPI's numeric formats, which JSON Schema leaves to the application. */
const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

export interface DocumentSchemas {
  document: OpenApiDocument;
  /** A validator for `schema`, a schema object found in the document (its `$ref`s resolve in it). */
  validator(schema: SchemaObject): ValidateFunction;
  /** The schema a `$ref` names, or the schema itself. */
  resolve(schema: SchemaObject | undefined): oas31.SchemaObject | undefined;
  /** Any object of the document a local `$ref` names (a header, a parameter), or the object itself. */
  deref<T extends object>(value: T | oas31.ReferenceObject | undefined): T | undefined;
}

/** Follows a local JSON pointer (`#/components/headers/Allow`) through the document. */
function pointed(document: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((part) => decodeURIComponent(part).replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

function anchored(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (schema === null || typeof schema !== "object") return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] =
      key === "$ref" && typeof value === "string" && value.startsWith("#")
        ? DOCUMENT_URI + value
        : anchored(value);
  }
  return copy;
}

export function documentSchemas(document: OpenApiDocument): DocumentSchemas {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const [name, [min, max]] of Object.entries(INT_RANGES)) {
    ajv.addFormat(name, { type: "number", validate: (value: number) => value >= min && value <= max });
  }
  for (const name of ["float", "double"]) ajv.addFormat(name, { type: "number", validate: () => true });
  // Only the components are addressed by references; the paths are compiled one schema at a time.
  ajv.addSchema({ components: document.components ?? {} }, DOCUMENT_URI);
  const compiled = new WeakMap<object, ValidateFunction>();
  return {
    document,
    validator(schema) {
      let validate = compiled.get(schema);
      if (!validate) {
        validate = ajv.compile(anchored(schema) as object);
        compiled.set(schema, validate);
      }
      return validate;
    },
    resolve(schema) {
      return this.deref<oas31.SchemaObject>(schema);
    },
    deref<T extends object>(value: T | oas31.ReferenceObject | undefined): T | undefined {
      let current: unknown = value;
      for (let hops = 0; hops < 32; hops++) {
        const ref = (current as { $ref?: unknown } | undefined)?.$ref;
        if (typeof ref !== "string") return current as T | undefined;
        current = pointed(document, ref);
      }
      return undefined;
    },
  };
}

/** Ajv's errors as one line each: `/items/0/name must be string`. */
export function describeErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((error) => {
    const extra =
      error.keyword === "additionalProperties"
        ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
        : "";
    return `${error.instancePath || "/"} ${error.message ?? error.keyword}${extra}`;
  });
}

let built: Promise<DocumentSchemas> | undefined;

/** The document the server serves (GET /api/openapi.json is checked to equal it), built once per file. */
export function loadDocumentSchemas(): Promise<DocumentSchemas> {
  built ??= createOpenApiDocument(appRouter, { version: "0.0.0-test" }).then((document) =>
    documentSchemas(JSON.parse(JSON.stringify(document)) as OpenApiDocument),
  );
  return built;
}
