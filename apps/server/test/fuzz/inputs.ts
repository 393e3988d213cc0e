import type { DocumentOperation, DocumentSchemas } from "@kyro/api/testing/contract";
import fc from "fast-check";
import type { oas31 } from "zod-openapi";
import { schemaArbitrary } from "./schema-arbitrary";

/**
 * An operation's input as the fuzz sends it, split by where it travels, and the checks that say
 * whether the document calls it valid. Validity is judged on what is sent: query values are read back
 * the way the server reads them (plain decimals and true/false only where the schema wants them).
 */
export interface FuzzInput {
  path: Record<string, string>;
  query: Record<string, string[]>;
  /** Absent when no body is sent. */
  body?: { mediaType: string; value: unknown };
}

export interface InputModel {
  valid: fc.Arbitrary<FuzzInput>;
  /** Why `input` is invalid by the document, or null when it is valid. */
  problem(input: FuzzInput): string | null;
  /** Ways to make `input` invalid, each checked invalid by `problem`. */
  mutations(input: FuzzInput): { mutation: string; input: FuzzInput }[];
}

type Schema = oas31.SchemaObject | oas31.ReferenceObject;
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const WRONG_VALUES: unknown[] = [12345, "fuzz-text", true, { fuzz: 1 }, [1], null];
const WRONG_TEXTS = ["fuzz-text", "-1.5", "true", ""];

function typesOf(schemas: DocumentSchemas, given: Schema | undefined, depth = 0): Set<string> {
  const schema = schemas.resolve(given);
  const types = new Set<string>();
  if (!schema || depth > 16) return types;
  for (const type of [schema.type ?? []].flat()) types.add(type);
  for (const member of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
    for (const type of typesOf(schemas, member, depth + 1)) types.add(type);
  }
  for (const value of [...(schema.enum ?? []), ...(schema.const !== undefined ? [schema.const] : [])]) {
    types.add(value === null ? "null" : typeof value);
  }
  return types;
}

/** The server's reading of a query text for a field of these types (apps/server/src/http/query.ts). */
function readText(types: Set<string>, text: string): unknown {
  if (types.has("string") || types.size === 0) return text;
  if ((types.has("number") || types.has("integer")) && DECIMAL.test(text)) return Number(text);
  if (types.has("boolean") && (text === "true" || text === "false")) return text === "true";
  return text;
}

/** A generated value as query text; null and undefined leave the parameter out. */
function toTexts(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(toTexts);
  if (typeof value === "object") return [JSON.stringify(value)];
  return [String(value)];
}

function bodyOf(operation: oas31.OperationObject) {
  const body =
    operation.requestBody && !("$ref" in operation.requestBody) ? operation.requestBody : undefined;
  const [mediaType, media] = Object.entries(body?.content ?? {})[0] ?? [];
  return mediaType && media?.schema
    ? { mediaType, schema: media.schema, required: body?.required === true }
    : undefined;
}

/**
 * `fixed`: values the fuzz always sends valid (`orgId` → the seeded org). `hints`: real ids by field
 * name, drawn most of the time instead of random values of the field's schema.
 */
export function inputModel(
  schemas: DocumentSchemas,
  entry: DocumentOperation,
  fixed: Record<string, string>,
  hints: Record<string, readonly string[]>,
): InputModel {
  const hinted = (name: string, arbitrary: fc.Arbitrary<unknown>) => {
    const ids = hints[name];
    return ids?.length
      ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary })
      : arbitrary;
  };
  const parameters = entry.parameters.filter(
    (parameter) => parameter.in === "path" || parameter.in === "query",
  );
  const body = bodyOf(entry.operation);
  const paramArbitraries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const parameter of parameters) {
    const schema = parameter.schema ?? {};
    const name = parameter.name;
    const value =
      name in fixed ? fc.constant(fixed[name]) : hinted(name, schemaArbitrary(schemas, schema, 0, hinted));
    paramArbitraries[name] =
      parameter.required || parameter.in === "path" || name in fixed
        ? value
        : fc.option(value, { nil: undefined });
  }
  const bodyArbitrary = body
    ? body.required
      ? schemaArbitrary(schemas, body.schema, 0, hinted)
      : fc.option(schemaArbitrary(schemas, body.schema, 0, hinted), { nil: undefined })
    : fc.constant(undefined);
  const valid = fc
    .record({ params: fc.record(paramArbitraries), body: bodyArbitrary })
    .map(({ params, body: value }) => {
      const input: FuzzInput = { path: {}, query: {} };
      for (const parameter of parameters) {
        const texts = toTexts(params[parameter.name]);
        if (parameter.in === "path") input.path[parameter.name] = texts[0] ?? "";
        else if (texts.length > 0) input.query[parameter.name] = texts;
      }
      if (body && value !== undefined) input.body = { mediaType: body.mediaType, value };
      return input;
    });

  function problem(input: FuzzInput): string | null {
    for (const parameter of parameters) {
      const texts =
        parameter.in === "path" ? [input.path[parameter.name] ?? ""] : input.query[parameter.name];
      if (!texts) {
        if (parameter.required) return `${parameter.in}.${parameter.name} is missing`;
        continue;
      }
      const schema = parameter.schema ?? {};
      const types = typesOf(schemas, schema);
      const values = texts.map((text) => readText(types, text));
      const value = types.has("array") ? values : values.length === 1 ? values[0] : values;
      const validate = schemas.validator(schema);
      if (!validate(value))
        return `${parameter.in}.${parameter.name}: ${validate.errors?.[0]?.message ?? "invalid"}`;
    }
    const known = new Set(
      parameters.filter((parameter) => parameter.in === "query").map((parameter) => parameter.name),
    );
    const unknown = Object.keys(input.query).find((name) => !known.has(name));
    if (unknown) return `query.${unknown} is not a parameter`;
    if (!body) return null;
    if (input.body === undefined) return body.required ? "the body is missing" : null;
    const validate = schemas.validator(body.schema);
    return validate(input.body.value)
      ? null
      : `body${validate.errors?.[0]?.instancePath ?? ""}: ${validate.errors?.[0]?.message ?? "invalid"}`;
  }

  function mutations(input: FuzzInput): { mutation: string; input: FuzzInput }[] {
    const found: { mutation: string; input: FuzzInput }[] = [];
    const offer = (mutation: string, changed: FuzzInput) => {
      if (problem(changed) !== null) found.push({ mutation, input: changed });
    };
    for (const parameter of parameters) {
      const name = parameter.name;
      for (const text of WRONG_TEXTS) {
        const changed =
          parameter.in === "path"
            ? { ...input, path: { ...input.path, [name]: text || " " } }
            : { ...input, query: { ...input.query, [name]: [text] } };
        if (problem(changed) !== null) {
          offer(`${parameter.in}.${name} = ${JSON.stringify(text)}`, changed);
          break;
        }
      }
      if (parameter.in === "query" && parameter.required) {
        const { [name]: _dropped, ...rest } = input.query;
        offer(`query.${name} left out`, { ...input, query: rest });
      }
    }
    offer("an unknown query parameter", { ...input, query: { ...input.query, fuzzExtra: ["1"] } });
    const value = input.body?.value;
    if (input.body && value !== null && typeof value === "object" && !Array.isArray(value)) {
      const fields = value as Record<string, unknown>;
      const with_ = (changed: Record<string, unknown>) => ({
        ...input,
        body: { mediaType: input.body?.mediaType ?? "", value: changed },
      });
      for (const name of Object.keys(fields)) {
        const { [name]: _dropped, ...rest } = fields;
        offer(`body.${name} left out`, with_(rest));
        const wrong = WRONG_VALUES.find(
          (candidate) => problem(with_({ ...fields, [name]: candidate })) !== null,
        );
        if (wrong !== undefined)
          offer(`body.${name} = ${JSON.stringify(wrong)}`, with_({ ...fields, [name]: wrong }));
      }
      offer("an unknown body key", with_({ ...fields, fuzzExtra: 1 }));
      offer("a body that is not an object", {
        ...input,
        body: { mediaType: input.body.mediaType, value: [fields] },
      });
    } else if (body && !input.body && body.required) {
      offer("the body left out", input);
    }
    return found;
  }

  return { valid, problem, mutations };
}
