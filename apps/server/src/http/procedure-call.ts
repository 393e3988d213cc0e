import type { Context } from "@kyro/api";
import { TRPCError } from "@trpc/server";
import {
  type AnyProcedure,
  getParseFn,
  getTRPCErrorFromUnknown,
  middlewareMarker,
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
}

/**
 * The parser behind each validation middleware (by its index), when they can be told apart: every
 * input middleware came from one `.input()` and there is a single `.output()`. Otherwise none, and the
 * middlewares themselves run.
 */
const parsersByDef = new WeakMap<ProcedureDef, Map<number, Parse>>();

function parsersOf(def: ProcedureDef): Map<number, Parse> {
  let parsers = parsersByDef.get(def);
  if (parsers) return parsers;
  parsers = new Map();
  const inputAt = def.middlewares.flatMap((middleware, index) =>
    middleware._type === "input" ? [index] : [],
  );
  const outputAt = def.middlewares.flatMap((middleware, index) =>
    middleware._type === "output" ? [index] : [],
  );
  if (inputAt.length === def.inputs.length) {
    for (const [position, index] of inputAt.entries()) {
      parsers.set(index, getParseFn(def.inputs[position] as never));
    }
  }
  const [onlyOutput] = outputAt;
  if (outputAt.length === 1 && onlyOutput !== undefined && def.output) {
    parsers.set(onlyOutput, getParseFn(def.output as never));
  }
  parsersByDef.set(def, parsers);
  return parsers;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** tRPC's input middleware: parse the raw input and merge it over what earlier parsers produced. */
async function validateInput(def: ProcedureDef, index: number, options: CallOptions, parse: Parse) {
  const raw = await options.getRawInput();
  let parsed: unknown;
  try {
    // Parsers answer synchronously unless a schema is async; awaiting a plain value costs a microtask turn.
    parsed = parse(raw);
    if (parsed instanceof Promise) parsed = await parsed;
  } catch (cause) {
    throw new TRPCError({ code: "BAD_REQUEST", cause });
  }
  const input =
    isPlainObject(options.input) && isPlainObject(parsed) ? Object.assign({}, options.input, parsed) : parsed;
  return callNext(def, index + 1, options, { input });
}

/** tRPC's output middleware: validate what the rest of the chain resolved with. */
async function validateOutput(def: ProcedureDef, index: number, options: CallOptions, parse: Parse) {
  const result = await callNext(def, index + 1, options);
  if (!result.ok) return result;
  let data: unknown;
  try {
    data = parse(result.data);
    if (data instanceof Promise) data = await data;
  } catch (cause) {
    throw new TRPCError({ message: "Output validation failed", code: "INTERNAL_SERVER_ERROR", cause });
  }
  return Object.assign({}, result, { data });
}

/**
 * tRPC's procedure caller (callRecursive in @trpc/server) step for step: the same options reach every
 * middleware, `next({ ctx })` merges into the context, `next({ input })` and `getRawInput` carry on, and
 * a throw becomes an error result. Hand-written because the published build copies the options with a
 * transpiled object-spread helper, several µs per middleware level and the largest single item of a
 * REST or tRPC read in CPU profiles. The objects are built field by field and contexts merged with
 * Object.assign: V8 is as slow on a spread followed by more properties as on that helper.
 */
async function callFrom(def: ProcedureDef, index: number, options: CallOptions): Promise<MiddlewareResult> {
  try {
    const middleware = def.middlewares[index];
    if (!middleware) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Missing middleware" });
    // The validation middlewares' own code copies objects with the same slow helper: run their steps here.
    const parse = middleware._type ? parsersOf(def).get(index) : undefined;
    if (parse && middleware._type === "input") return await validateInput(def, index, options, parse);
    if (parse && middleware._type === "output") return await validateOutput(def, index, options, parse);
    return await middleware({
      path: options.path,
      type: options.type,
      ctx: options.ctx,
      getRawInput: options.getRawInput,
      input: options.input,
      signal: options.signal,
      batchIndex: options.batchIndex,
      meta: def.meta,
      // Bound rather than an inline arrow: tsx would name every per-request closure at run time.
      next: callNext.bind(null, def, index + 1, options),
    });
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker } as MiddlewareResult;
  }
}

function callNext(
  def: ProcedureDef,
  index: number,
  options: CallOptions,
  next?: NextOptions,
): Promise<MiddlewareResult> {
  return callFrom(def, index, {
    path: options.path,
    type: options.type,
    ctx: next?.ctx ? Object.assign({}, options.ctx, next.ctx) : options.ctx,
    getRawInput: next?.getRawInput ?? options.getRawInput,
    input: next && "input" in next ? next.input : options.input,
    signal: options.signal,
    batchIndex: options.batchIndex,
  });
}

/** Calls `procedure` as tRPC's `createCaller` and HTTP handler do, and resolves with its output. */
export async function callProcedure(
  procedure: AnyProcedure,
  options: { path: string; ctx: Context; getRawInput: () => Promise<unknown> },
): Promise<unknown> {
  const def = procedure._def as unknown as ProcedureDef;
  const result = await callFrom(def, 0, {
    path: options.path,
    type: def.type,
    ctx: options.ctx,
    getRawInput: options.getRawInput,
    input: undefined,
    signal: undefined,
    batchIndex: 0,
  });
  if (!result) {
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: "No result from middlewares - did you forget to `return next()`?",
    });
  }
  if (!result.ok) throw result.error;
  return result.data;
}
