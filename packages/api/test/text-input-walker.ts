import { TEXT_RULE_PATTERNS } from "../src/core/text-input";

/**
 * Walks a zod 4 schema (through `_zod.def`) and lists every place a client could send a string that
 * does not carry the text rule of `text-input.ts`: plain strings, strings in arrays, records (keys too),
 * unions, pipes and lazy schemas, and untyped values (`z.unknown()`, `z.any()`, custom checks).
 */

interface Def {
  type: string;
  [field: string]: unknown;
}
interface Check {
  _zod: { def: { check: string; format?: string; pattern?: RegExp } };
}

const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** Formats whose own pattern admits only ASCII letters, digits and punctuation (see the test). */
export const SAFE_STRING_FORMATS: ReadonlySet<string> = new Set(["uuid", "email", "datetime"]);

/** Schema types that never hold client text. */
const NOT_TEXT = new Set([
  "number",
  "int",
  "boolean",
  "bigint",
  "date",
  "null",
  "undefined",
  "void",
  "never",
  "nan",
  "enum",
  "literal",
  "transform",
]);

/** Wrappers whose one inner schema is what the client's value is checked against. */
const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "catch", "readonly", "nonoptional"]);

function carriesTextRule(def: Def): boolean {
  const checks = (def.checks ?? []) as Check[];
  return checks.some((check) => {
    const { format, pattern } = check._zod.def;
    return format === "regex" && pattern !== undefined && TEXT_RULE_PATTERNS.has(pattern);
  });
}

/** `expanding`: the lazy schemas being expanded on this path, so a recursive schema is walked once. */
export function unruledStrings(schema: unknown, path = "input", expanding = new Set<unknown>()): string[] {
  const def = defOf(schema);
  const walk = (inner: unknown, at: string) => unruledStrings(inner, at, expanding);
  if (NOT_TEXT.has(def.type)) return [];
  if (WRAPPERS.has(def.type)) return walk(def.innerType, path);
  switch (def.type) {
    case "string": {
      if (carriesTextRule(def)) return [];
      const format = typeof def.format === "string" ? def.format : undefined;
      if (format && SAFE_STRING_FORMATS.has(format)) return [];
      return [`${path}: ${format ? `${format} string` : "string"} without a text rule`];
    }
    case "object": {
      const shape = def.shape as Record<string, unknown>;
      const fields = Object.entries(shape).flatMap(([key, field]) => walk(field, `${path}.${key}`));
      const catchall =
        def.catchall && defOf(def.catchall).type !== "never" ? walk(def.catchall, `${path}.*`) : [];
      return [...fields, ...catchall];
    }
    case "array":
      return walk(def.element, `${path}[]`);
    case "record":
      return [...walk(def.keyType, `${path}{key}`), ...walk(def.valueType, `${path}{value}`)];
    case "tuple":
      return [
        ...(def.items as unknown[]).flatMap((item, index) => walk(item, `${path}[${index}]`)),
        ...(def.rest ? walk(def.rest, `${path}[…]`) : []),
      ];
    case "union":
      return (def.options as unknown[]).flatMap((option, index) => walk(option, `${path}|${index}`));
    case "intersection":
      return [...walk(def.left, path), ...walk(def.right, path)];
    case "lazy": {
      if (expanding.has(schema)) return [];
      expanding.add(schema);
      const problems = walk((def.getter as () => unknown)(), path);
      expanding.delete(schema);
      return problems;
    }
    case "pipe":
      // The client's value meets `in` (and the OpenAPI document shows `in`), unless `in` only
      // preprocesses it: then `out` is what checks it.
      return defOf(def.in).type === "transform" ? walk(def.out, path) : walk(def.in, path);
    default:
      return [`${path}: ${def.type} value the text rule cannot see into`];
  }
}
