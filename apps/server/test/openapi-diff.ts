import type { oas31 } from "zod-openapi";

/** One breaking difference between two versions of the document, named by its operation. */
export interface BreakingChange {
  /** `METHOD /path`, as CHANGELOG.md must name it. */
  operation: string;
  change: string;
}

type Schema = oas31.SchemaObject & oas31.ReferenceObject;
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function resolver(document: oas31.OpenAPIObject) {
  const resolve = (node: unknown): Schema | undefined => {
    const schema = node as Schema | undefined;
    if (!schema?.$ref) return schema;
    const [, , section, name] = schema.$ref.split("/");
    const components = document.components as Record<string, Record<string, unknown>> | undefined;
    return resolve(components?.[section ?? ""]?.[name ?? ""]);
  };
  return resolve;
}

const typesOf = (schema: Schema | undefined): string[] => {
  const parts = [schema, ...((schema?.anyOf ?? schema?.oneOf ?? []) as Schema[])];
  return parts
    .flatMap((part) => [part?.type as unknown].flat())
    .filter((type): type is string => typeof type === "string")
    .sort();
};

/**
 * Where a request schema accepts less than before: a type or enum value dropped, a bound tightened,
 * a property removed or newly required. Walks objects and arrays; `at` names the field.
 */
function narrowed(
  before: Schema | undefined,
  after: Schema | undefined,
  context: Walk,
  at: string,
): string[] {
  const old = context.before(before);
  const now = context.after(after);
  if (!old || !now || context.depth > 12) return [];
  const found: string[] = [];
  const lost = typesOf(old).filter((type) => !typesOf(now).includes(type));
  if (typesOf(now).length > 0 && lost.length > 0) found.push(`${at}: no longer accepts ${lost.join(", ")}`);
  const droppedValues = (old.enum ?? []).filter((value) => now.enum && !now.enum.includes(value));
  if (droppedValues.length) found.push(`${at}: no longer accepts ${droppedValues.join(", ")}`);
  for (const [bound, tighter] of [
    ["maxLength", (a: number, b: number) => b < a],
    ["maximum", (a: number, b: number) => b < a],
    ["maxItems", (a: number, b: number) => b < a],
    ["minLength", (a: number, b: number) => b > a],
    ["minimum", (a: number, b: number) => b > a],
  ] as const) {
    const a = old[bound];
    const b = now[bound];
    if (typeof b === "number" && (typeof a !== "number" || tighter(a, b)))
      found.push(`${at}: ${bound} ${a ?? "none"} → ${b}`);
  }
  const oldRequired = new Set(old.required ?? []);
  for (const name of now.required ?? []) {
    if (!oldRequired.has(name)) found.push(`${at}.${name}: newly required`);
  }
  for (const [name, property] of Object.entries(old.properties ?? {})) {
    const next = now.properties?.[name];
    if (!next) found.push(`${at}.${name}: no longer accepted`);
    else found.push(...narrowed(property as Schema, next as Schema, deeper(context), `${at}.${name}`));
  }
  if (old.items && now.items)
    found.push(...narrowed(old.items as Schema, now.items as Schema, deeper(context), `${at}[]`));
  return found;
}

/** Where an answer gives less than before: a property removed, no longer required, or retyped. */
function reduced(before: Schema | undefined, after: Schema | undefined, context: Walk, at: string): string[] {
  const old = context.before(before);
  const now = context.after(after);
  if (!old || !now || context.depth > 12) return [];
  const found: string[] = [];
  if (typesOf(old).join() !== typesOf(now).join() && typesOf(old).length > 0) {
    found.push(`${at}: type ${typesOf(old).join("|")} → ${typesOf(now).join("|") || "other"}`);
  }
  const required = new Set(now.required ?? []);
  for (const [name, property] of Object.entries(old.properties ?? {})) {
    const next = now.properties?.[name];
    if (!next) found.push(`${at}.${name}: removed`);
    else {
      if (old.required?.includes(name) && !required.has(name))
        found.push(`${at}.${name}: no longer always present`);
      found.push(...reduced(property as Schema, next as Schema, deeper(context), `${at}.${name}`));
    }
  }
  if (old.items && now.items)
    found.push(...reduced(old.items as Schema, now.items as Schema, deeper(context), `${at}[]`));
  return found;
}

interface Walk {
  before: (node: unknown) => Schema | undefined;
  after: (node: unknown) => Schema | undefined;
  depth: number;
}
const deeper = (walk: Walk): Walk => ({ ...walk, depth: walk.depth + 1 });

const jsonBody = (operation: oas31.OperationObject) =>
  (operation.requestBody as oas31.RequestBodyObject | undefined)?.content["application/json"]?.schema;

function successOf(operation: oas31.OperationObject): { status: string; schema: unknown } | undefined {
  const [status, response] =
    Object.entries(operation.responses ?? {}).find(([code]) => code.startsWith("2")) ?? [];
  if (!status) return undefined;
  return { status, schema: (response as oas31.ResponseObject).content?.["application/json"]?.schema };
}

/** Every change from `before` to `after` that can break a client built against `before`. */
export function breakingChanges(before: oas31.OpenAPIObject, after: oas31.OpenAPIObject): BreakingChange[] {
  const walk: Walk = { before: resolver(before), after: resolver(after), depth: 0 };
  const found: BreakingChange[] = [];
  for (const [path, item] of Object.entries(before.paths ?? {})) {
    for (const method of METHODS) {
      const old = item?.[method];
      if (!old) continue;
      const operation = `${method.toUpperCase()} ${path}`;
      const now = after.paths?.[path]?.[method];
      if (!now) {
        found.push({ operation, change: "removed" });
        continue;
      }
      const add = (change: string) => found.push({ operation, change });
      const params = (op: oas31.OperationObject) =>
        new Map(((op.parameters ?? []) as oas31.ParameterObject[]).map((p) => [`${p.in}:${p.name}`, p]));
      const oldParams = params(old);
      for (const [key, parameter] of params(now)) {
        const previous = oldParams.get(key);
        if (parameter.required && !previous?.required) add(`parameter ${key}: newly required`);
        if (previous) narrowed(previous.schema as Schema, parameter.schema as Schema, walk, key).forEach(add);
      }
      for (const key of oldParams.keys())
        if (!params(now).has(key)) add(`parameter ${key}: no longer accepted`);
      narrowed(jsonBody(old) as Schema, jsonBody(now) as Schema, walk, "body").forEach(add);
      const oldSuccess = successOf(old);
      const newSuccess = successOf(now);
      if (oldSuccess && newSuccess?.status !== oldSuccess.status) {
        add(`success status ${oldSuccess.status} → ${newSuccess?.status ?? "none"}`);
      } else if (oldSuccess) {
        reduced(oldSuccess.schema as Schema, newSuccess?.schema as Schema, walk, "answer").forEach(add);
      }
    }
  }
  return found;
}
