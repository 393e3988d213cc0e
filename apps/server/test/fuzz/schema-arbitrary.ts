import type { DocumentSchemas } from "@kyro/api/testing/contract";
import fc from "fast-check";
import type { oas31 } from "zod-openapi";

/**
 * fast-check arbitraries generated from the document's own JSON Schemas. They aim at values the schema
 * accepts; the fuzz checks each value with Ajv before calling it valid, so a keyword this mapping does
 * not model (`not`, `dependentRequired`, `minProperties`) only costs a skipped run, never a false claim.
 * No maintained library maps JSON Schema 2020-12 to fast-check (json-schema-faker makes random
 * examples without shrinking or seeds), so this small mapping is ours.
 */

type Schema = oas31.SchemaObject | oas31.ReferenceObject;

/** Lets the caller swap in its own values for fields of a name (real ids for `botId`, say). */
export type FieldHint = (name: string, arbitrary: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>;
const noHint: FieldHint = (_name, arbitrary) => arbitrary;

const MAX_DEPTH = 6;
const MAX_ITEMS = 3;
const MAX_TEXT = 40;

/** Text as people type it: ASCII most of the time, any well-formed Unicode sometimes. */
const text = (minLength: number, maxLength: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: "grapheme" }) },
  );

function regexArbitrary(pattern: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    // A pattern fast-check cannot invert (a Unicode property class): plain text, checked against it later.
    return undefined;
  }
}

function formatArbitrary(format: string | undefined): fc.Arbitrary<string> | undefined {
  switch (format) {
    case "uuid":
      return fc.uuid({ version: [4, 7] });
    case "email":
      return fc.emailAddress({ size: "small" });
    case "uri":
      return fc.webUrl({ size: "small" });
    case "date-time":
      return fc
        .date({
          min: new Date("2000-01-01T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString());
    default:
      return undefined;
  }
}

function stringArbitrary(schema: oas31.SchemaObject): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? MAX_TEXT, minLength + MAX_TEXT));
  // Values of the format, of the pattern and plain text of the right length: the filter keeps those
  // meeting all of them, and at least one kind usually does.
  const kinds = [
    formatArbitrary(schema.format),
    schema.pattern ? regexArbitrary(schema.pattern) : undefined,
    schema.format ? undefined : text(minLength, maxLength),
  ].filter((arbitrary): arbitrary is fc.Arbitrary<string> => arbitrary !== undefined);
  return kinds.length === 1 ? (kinds[0] as fc.Arbitrary<string>) : fc.oneof(...kinds);
}

/**
 * `arbitrary.filter(keep)` that gives up after `tries` misses in a row and lets a value through: the
 * fuzz checks every input against the document before calling it valid, so a value let through only
 * costs a skipped run, where an unbounded filter would loop forever on a schema it cannot meet.
 */
function boundedFilter<T>(
  arbitrary: fc.Arbitrary<T>,
  keep: (value: T) => boolean,
  tries = 100,
): fc.Arbitrary<T> {
  let misses = 0;
  return arbitrary.filter((value) => {
    if (keep(value) || ++misses >= tries) {
      misses = 0;
      return true;
    }
    return false;
  });
}

function numberArbitrary(schema: oas31.SchemaObject): fc.Arbitrary<number> {
  const exclusiveMin = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined;
  const exclusiveMax = typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum : undefined;
  if (schema.type === "integer") {
    const min = schema.minimum ?? (exclusiveMin !== undefined ? Math.floor(exclusiveMin) + 1 : -1_000_000);
    const max =
      schema.maximum ??
      (exclusiveMax !== undefined ? Math.ceil(exclusiveMax) - 1 : Math.max(min, 0) + 1_000_000);
    return fc.integer({
      min: Math.max(min, Number.MIN_SAFE_INTEGER),
      max: Math.min(max, Number.MAX_SAFE_INTEGER),
    });
  }
  const min = schema.minimum ?? exclusiveMin ?? -1e9;
  const max = schema.maximum ?? exclusiveMax ?? 1e9;
  return fc.double({
    min,
    max,
    noNaN: true,
    noDefaultInfinity: true,
    minExcluded: exclusiveMin !== undefined,
    maxExcluded: exclusiveMax !== undefined,
  });
}

function objectArbitrary(
  schemas: DocumentSchemas,
  schema: oas31.SchemaObject,
  depth: number,
  hint: FieldHint,
) {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    model[name] = hint(name, schemaArbitrary(schemas, property, depth + 1, hint));
  }
  const requiredKeys = (schema.required ?? []).filter((name) => name in model);
  const known = fc.record(model, { requiredKeys });
  // Without `additionalProperties: false` the document allows any other key: send one now and then.
  if (schema.additionalProperties !== undefined) return known;
  return fc
    .tuple(known, fc.option(fc.jsonValue({ maxDepth: 1 }), { freq: 4 }))
    .map(([value, extra]) => (extra === null ? value : { ...value, fuzzUndeclared: extra }));
}

/** An arbitrary for values of `schema` (mostly valid by it; the caller checks). */
export function schemaArbitrary(
  schemas: DocumentSchemas,
  given: Schema,
  depth = 0,
  hint: FieldHint = noHint,
): fc.Arbitrary<unknown> {
  const schema = schemas.resolve(given) ?? {};
  if (depth > MAX_DEPTH) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    // Branches beside the object's own keywords (a body's cross-field rules) refine that object: each
    // branch is drawn merged with them, as `allOf` would be.
    const { anyOf, oneOf, ...outer } = schema;
    const refines = Object.keys(outer).length > 0;
    return fc.oneof(
      ...branches.map((branch) =>
        schemaArbitrary(schemas, refines ? { allOf: [outer, branch] } : branch, depth + 1, hint),
      ),
    );
  }
  if (schema.allOf) {
    const { allOf, ...outer } = schema;
    const merged: oas31.SchemaObject = {
      ...outer,
      properties: { ...outer.properties },
      required: [...(outer.required ?? [])],
    };
    for (const part of allOf.map((member) => schemas.resolve(member) ?? {})) {
      Object.assign(merged, part, {
        properties: Object.assign(merged.properties ?? {}, part.properties),
        required: [...(merged.required ?? []), ...(part.required ?? [])],
      });
    }
    if (Object.keys(merged.properties ?? {}).length === 0) delete merged.properties;
    return boundedFilter(schemaArbitrary(schemas, merged, depth + 1, hint), schemas.validator(schema));
  }
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type) => schemaArbitrary(schemas, { ...schema, type }, depth, hint)));
  }
  switch (schema.type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number":
      return numberArbitrary(schema);
    case "string":
      return boundedFilter(stringArbitrary(schema), schemas.validator(schema));
    case "array": {
      const items = schema.items ? schemaArbitrary(schemas, schema.items, depth + 1, hint) : fc.jsonValue();
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, minLength + MAX_ITEMS));
      return schema.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (value) => JSON.stringify(value) })
        : fc.array(items, { minLength, maxLength });
    }
    case "object":
      return objectArbitrary(schemas, schema, depth, hint);
    default:
      return schema.properties
        ? objectArbitrary(schemas, schema, depth, hint)
        : fc.jsonValue({ maxDepth: 1 });
  }
}
