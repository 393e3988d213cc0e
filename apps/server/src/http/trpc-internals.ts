/**
 * The one module that reaches into tRPC's internals (`@trpc/server/unstable-core-do-not-import`, whose
 * exports may change in any release): @trpc/server is pinned to an exact version in every package.json
 * that declares it, and a lint rule (biome.json, noRestrictedImports) refuses that import anywhere else.
 * Check this file against the new version's `callRecursive` and `resolveResponse` before upgrading.
 *
 * Why it exists: the published build of @trpc/server copies each middleware's options with a transpiled
 * object-spread helper (`_objectSpread2`), several µs per middleware level and the largest single item
 * of a REST or tRPC read in CPU profiles. No upstream issue tracks it (tRPC's tracker has none on this
 * helper); the underlying cost is V8's slow path for spreads followed by more properties
 * (https://bugs.chromium.org/p/v8/issues/detail?id=11536, also the reason for angular/angular-cli#24164).
 * So the procedure runner below does what `callRecursive` does with objects built field by field.
 */
import type { Context } from "@kyro/api";
import { TRPCError } from "@trpc/server";
import {
  type AnyProcedure,
  getParseFn,
  getTRPCErrorFromUnknown,
  middlewareMarker,
} from "@trpc/server/unstable-core-do-not-import";

// What the rest of the server needs from tRPC's internals, re-exported so they are imported from here only.
export {
  type AnyProcedure,
  getErrorShape,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";

interface NextOptions {
  ctx?: object;
  input?: unknown;
  getRawInput?: () => Promise<unknown>;
}

interface CallOptions {
  path: string;
  type: AnyProcedure["_def"]["type"];
  ctx: object;
  getRawInput: () => Promise<unknown>;
  input?: unknown;
  signal: undefined;
  batchIndex: number;
}

type MiddlewareResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };
type Middleware = ((
  options: CallOptions & { meta: unknown; next: (next?: NextOptions) => Promise<MiddlewareResult> },
) => Promise<MiddlewareResult>) & { _type?: string };
type Parse = (value: unknown) => unknown;

/** The run-time shape of a procedure's definition: its middlewares end with the resolver. */
interface ProcedureDef {
  middlewares: Middleware[];
  meta: unknown;
  type: AnyProcedure["_def"]["type"];
  /** The parsers of `.input()`, in the order of their middlewares. */
  inputs: unknown[];
  /** The parser of `.output()`. */
  output?: unknown;
  /** What `.query()` or `.mutation()` was given; its middleware is the chain's last. */
  resolver?: Resolver;
}

/**
 * One step of a procedure's chain: a validation middleware whose parser is run here, or any other
 * middleware, run as it is.
 */
type Step =
  | { kind: "input"; parse: Parse }
  | { kind: "output"; parse: Parse }
  | { kind: "middleware"; run: Middleware };

type Resolver = (options: CallOptions & { meta: unknown }) => unknown;

interface Plan {
  steps: Step[];
  meta: unknown;
  /**
   * Where the chain's tail starts: validations only, then the resolver. The tail runs as one step
   * (`runTail`); `steps.length` when the chain has no such tail.
   */
  tailAt: number;
  resolver?: Resolver;
}

/** Each procedure's steps, worked out on its first call. */
const plans = new WeakMap<ProcedureDef, Plan>();

/**
 * A validation middleware's parser can be used directly when they can be told apart: every input
 * middleware came from one `.input()` and there is a single `.output()`. Otherwise the middlewares
 * themselves run.
 */
function planOf(def: ProcedureDef): Plan {
  const known = plans.get(def);
  if (known) return known;
  const inputs = def.middlewares.filter((middleware) => middleware._type === "input").length;
  const outputs = def.middlewares.filter((middleware) => middleware._type === "output").length;
  let input = 0;
  const steps = def.middlewares.map((middleware): Step => {
    if (middleware._type === "input" && inputs === def.inputs.length) {
      return { kind: "input", parse: getParseFn(def.inputs[input++] as never) };
    }
    if (middleware._type === "output" && outputs === 1 && def.output) {
      return { kind: "output", parse: getParseFn(def.output as never) };
    }
    return { kind: "middleware", run: middleware };
  });
  // tRPC appends the resolver's middleware last; the validations right before it join the tail.
  let tailAt = steps.length;
  if (typeof def.resolver === "function") {
    tailAt = steps.length - 1;
    while (tailAt > 0 && steps[tailAt - 1]?.kind !== "middleware") tailAt--;
  }
  const plan = { steps, meta: def.meta, tailAt, resolver: def.resolver };
  plans.set(def, plan);
  return plan;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** tRPC's input middleware: parse the raw input and merge it over what earlier parsers produced. */
async function parseInput(parse: Parse, options: CallOptions, earlier: unknown): Promise<unknown> {
  const raw = await options.getRawInput();
  let parsed: unknown;
  try {
    // Parsers answer synchronously unless a schema is async; awaiting a plain value costs a microtask turn.
    parsed = parse(raw);
    if (parsed instanceof Promise) parsed = await parsed;
  } catch (cause) {
    throw new TRPCError({ code: "BAD_REQUEST", cause });
  }
  return isPlainObject(earlier) && isPlainObject(parsed) ? Object.assign({}, earlier, parsed) : parsed;
}

function outputFailed(cause: unknown): never {
  throw new TRPCError({ message: "Output validation failed", code: "INTERNAL_SERVER_ERROR", cause });
}

/**
 * tRPC's output middleware's check of what the rest of the chain resolved with: the checked value, or a
 * promise of it when the schema is async (not awaited here, which would cost a microtask turn each).
 */
function checkOutput(parse: Parse, data: unknown): unknown {
  try {
    const checked = parse(data);
    return checked instanceof Promise ? checked.catch(outputFailed) : checked;
  } catch (cause) {
    return outputFailed(cause);
  }
}

async function validateInput(plan: Plan, index: number, options: CallOptions, parse: Parse) {
  const input = await parseInput(parse, options, options.input);
  return await callNext(plan, index + 1, options, { input });
}

async function validateOutput(plan: Plan, index: number, options: CallOptions, parse: Parse) {
  const result = await callNext(plan, index + 1, options);
  if (!result.ok) return result;
  const checked = checkOutput(parse, result.data);
  return Object.assign({}, result, { data: checked instanceof Promise ? await checked : checked });
}

/** What a middleware that throws resolves with in tRPC's chain. */
function errorResult(cause: unknown): MiddlewareResult {
  return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker } as MiddlewareResult;
}

/**
 * The validations at the end of the chain and the resolver, in one async step instead of one nested
 * step each. The outcome is theirs: inputs parsed and merged in order, the resolver's result checked
 * by the output parsers from the innermost out, and a throw anywhere an error result.
 */
async function runTail(plan: Plan, options: CallOptions, resolver: Resolver): Promise<MiddlewareResult> {
  try {
    let input = options.input;
    const outputChecks: Parse[] = [];
    for (let index = plan.tailAt; index < plan.steps.length - 1; index++) {
      const step = plan.steps[index];
      if (step?.kind === "input") input = await parseInput(step.parse, options, input);
      else if (step?.kind === "output") outputChecks.push(step.parse);
    }
    let data = await resolver({
      path: options.path,
      type: options.type,
      ctx: options.ctx,
      getRawInput: options.getRawInput,
      input,
      signal: options.signal,
      batchIndex: options.batchIndex,
      meta: plan.meta,
    });
    for (let index = outputChecks.length - 1; index >= 0; index--) {
      const checked = checkOutput(outputChecks[index] as Parse, data);
      data = checked instanceof Promise ? await checked : checked;
    }
    return { ok: true, data, marker: middlewareMarker } as MiddlewareResult;
  } catch (cause) {
    return errorResult(cause);
  }
}

/**
 * tRPC's procedure caller (callRecursive in @trpc/server) step for step: the same options reach every
 * middleware, `next({ ctx })` merges into the context, `next({ input })` and `getRawInput` carry on, and
 * a throw becomes an error result. Hand-written for speed (see the top of this file): the objects are
 * built field by field and contexts merged with Object.assign, as V8 is as slow on a spread followed by
 * more properties as on the transpiled helper.
 */
function callFrom(plan: Plan, index: number, options: CallOptions): Promise<MiddlewareResult> {
  // The tail is its own async step, rather than one awaited inside another.
  if (index === plan.tailAt && plan.resolver) return runTail(plan, options, plan.resolver);
  return runStep(plan, index, options);
}

async function runStep(plan: Plan, index: number, options: CallOptions): Promise<MiddlewareResult> {
  try {
    const step = plan.steps[index];
    if (!step) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Missing middleware" });
    // The validation middlewares' own code copies objects with the same slow helper: run their steps here.
    if (step.kind === "input") return await validateInput(plan, index, options, step.parse);
    if (step.kind === "output") return await validateOutput(plan, index, options, step.parse);
    return await step.run({
      path: options.path,
      type: options.type,
      ctx: options.ctx,
      getRawInput: options.getRawInput,
      input: options.input,
      signal: options.signal,
      batchIndex: options.batchIndex,
      meta: plan.meta,
      next: (next?: NextOptions) => callNext(plan, index + 1, options, next),
    });
  } catch (cause) {
    return errorResult(cause);
  }
}
function callNext(
  plan: Plan,
  index: number,
  options: CallOptions,
  next?: NextOptions,
): Promise<MiddlewareResult> {
  return callFrom(plan, index, {
    path: options.path,
    type: options.type,
    ctx: next?.ctx ? Object.assign({}, options.ctx, next.ctx) : options.ctx,
    getRawInput: next?.getRawInput ?? options.getRawInput,
    input: next && "input" in next ? next.input : options.input,
    signal: options.signal,
    batchIndex: options.batchIndex,
  });
}

function outputOf(result: MiddlewareResult | undefined): unknown {
  if (!result) {
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: "No result from middlewares - did you forget to `return next()`?",
    });
  }
  if (!result.ok) throw result.error;
  return result.data;
}

/**
 * Calls `procedure` as tRPC's `createCaller` and HTTP handler do, and resolves with its output. Not
 * async: one `then` costs less than an async level of its own.
 */
export function callProcedure(
  procedure: AnyProcedure,
  options: { path: string; ctx: Context; getRawInput: () => Promise<unknown> },
): Promise<unknown> {
  const def = procedure._def as unknown as ProcedureDef;
  return callFrom(planOf(def), 0, {
    path: options.path,
    type: def.type,
    ctx: options.ctx,
    getRawInput: options.getRawInput,
    input: undefined,
    signal: undefined,
    batchIndex: 0,
  }).then(outputOf);
}
