import { z } from "zod";

/** The parts of a JSON Schema (draft 2020-12, as zod emits it) that decide how a query string is read. */
interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  items?: JsonSchema;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  $defs?: Record<string, JsonSchema>;
}

type Scalar = (text: string) => unknown;

/** How one input field is read from the query string. */
export interface FieldReader {
  /** Repeated keys (`?id=a&id=b`) make the array. */
  array: boolean;
  read: Scalar;
}

const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const keepText: Scalar = (text) => text;

/** Anything that is not a plain finite decimal stays text, so validation rejects it with a clear issue. */
const toNumber: Scalar = (text) => {
  if (!DECIMAL.test(text)) return text;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
};

/** Only the words themselves: "0", "yes" or "" stay text and fail validation (never truthiness). */
const toBoolean: Scalar = (text) => (text === "true" ? true : text === "false" ? false : text);

function typesOf(schema: JsonSchema | undefined, defs: Record<string, JsonSchema>, depth = 0): Set<string> {
  const types = new Set<string>();
  if (!schema || depth > 16) return types;
  const ref = schema.$ref?.startsWith("#/$defs/") ? defs[schema.$ref.slice("#/$defs/".length)] : undefined;
  for (const type of [schema.type ?? []].flat()) types.add(type);
  const members = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? []), ref];
  for (const member of members) for (const type of typesOf(member, defs, depth + 1)) types.add(type);
  for (const value of [...(schema.enum ?? []), ...("const" in schema ? [schema.const] : [])]) {
    types.add(value === null ? "null" : typeof value);
  }
  return types;
}

/** Text wins whenever the schema accepts text; an unconstrained schema also keeps the text. */
function scalarFor(types: Set<string>): Scalar {
  if (types.has("string") || types.size === 0) return keepText;
  if (types.has("number") || types.has("integer")) return toNumber;
  if (types.has("boolean")) return toBoolean;
  return keepText;
}

function itemsOf(schema: JsonSchema | undefined, defs: Record<string, JsonSchema>): JsonSchema | undefined {
  if (!schema) return undefined;
  if (schema.items) return schema.items;
  const ref = schema.$ref?.startsWith("#/$defs/") ? defs[schema.$ref.slice("#/$defs/".length)] : undefined;
  for (const member of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ref]) {
    const items = itemsOf(member, defs);
    if (items) return items;
  }
  return undefined;
}

/** One reader per input field, derived from the input schema's JSON Schema (input side). */
export function fieldReaders(input: z.ZodObject): Map<string, FieldReader> {
  const schema = z.toJSONSchema(input, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const defs = schema.$defs ?? {};
  const readers = new Map<string, FieldReader>();
  for (const name of Object.keys(input.shape)) {
    const field = schema.properties?.[name];
    const types = typesOf(field, defs);
    readers.set(
      name,
      types.has("array")
        ? { array: true, read: scalarFor(typesOf(itemsOf(field, defs), defs)) }
        : { array: false, read: scalarFor(types) },
    );
  }
  return readers;
}

/**
 * Reads query parameters by the field types. A scalar field given more than once is passed on as an
 * array, so validation refuses it rather than silently picking one. Returns unknown names separately.
 */
export function readQuery(
  params: URLSearchParams,
  readers: ReadonlyMap<string, FieldReader>,
): { values: Record<string, unknown>; unknown: string[] } {
  const values: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const name of new Set(params.keys())) {
    const reader = readers.get(name);
    if (!reader) {
      unknown.push(name);
      continue;
    }
    const all = params.getAll(name).map(reader.read);
    values[name] = reader.array || all.length > 1 ? all : all[0];
  }
  return { values, unknown };
}
