import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { LRUCache } from "lru-cache";
import { invalidField, unprocessable } from "../../core/errors";

/**
 * One ajv instance for every action's parameter schema. `strict` refuses unknown keywords, so a typo in
 * a schema is an error when it is saved rather than a constraint silently not enforced.
 */
const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: true });
addFormats.default(ajv);

/**
 * Compiled validators by schema text: compiling costs far more than validating, and the same few
 * schemas are run again and again. Keyed by content, so an edited schema compiles anew by itself.
 */
const compiled = new LRUCache<string, ValidateFunction>({ max: 500 });

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * Checks a parameter schema when an action is saved: it must compile, and its root must describe an
 * object (the parameters are named, and language models are given it as a tool's parameters).
 */
export function assertParamSchema(schema: Record<string, unknown>): void {
  if (schema.type !== "object") {
    throw invalidField("paramSchema", 'The parameter schema\'s root must have `type: "object"`');
  }
  try {
    validatorFor(schema);
  } catch (error) {
    throw invalidField("paramSchema", `Not a valid JSON Schema: ${(error as Error).message}`.slice(0, 500));
  }
}

/** The property names the schema declares, which templates may refer to. */
export function declaredParams(schema: Record<string, unknown>): Set<string> {
  const properties = schema.properties;
  return new Set(
    typeof properties === "object" && properties !== null ? Object.keys(properties as object) : [],
  );
}

/** Refuses a run whose parameters do not satisfy the action's schema (422: depends on the stored action). */
export function assertParams(schema: Record<string, unknown>, input: Record<string, unknown>): void {
  const validate = validatorFor(schema);
  if (!validate(input)) {
    const reasons = ajv.errorsText(validate.errors, { dataVar: "input" });
    throw unprocessable("invalid_parameters", `The parameters do not match the action's schema: ${reasons}`);
  }
}
