import type { AnyProcedure, AnyRouter } from "@trpc/server";
import { z } from "zod";
import type { Requirement } from "../policy";
import type { RestMeta } from "../rest-meta";
import type { ProcedureMeta } from "../trpc";

/** A procedure that declares `meta.rest`, with what the REST adapter and the OpenAPI document need. */
export interface RestProcedure {
  /** Dotted tRPC path, e.g. `orgs.members.list`; REST calls go through `createCaller` by it. */
  procedure: string;
  requires: Requirement;
  rest: RestMeta;
  /**
   * Every input field (path, query and body) in one object, merged from the procedure's input parsers.
   * A new schema: the procedure's own schemas are shared and never modified.
   */
  input: z.ZodObject;
  /** Whether the procedure accepts no input at all (`z.void()`, an optional object, or none). */
  inputOptional: boolean;
  /** Names of the `{field}` segments of `rest.path`, in order. */
  pathParams: readonly string[];
  /** Undefined when the procedure declares no output schema. */
  output: z.ZodType | undefined;
}

const PATH_PARAM = /^\{(\w+)\}$/;

/** Loads every lazy sub-router, so `_def.procedures` holds the whole tree. */
export async function loadRouter(router: AnyRouter): Promise<void> {
  for (;;) {
    const pending = Object.values(router._def.lazy);
    if (pending.length === 0) return;
    await Promise.all(pending.map((loader) => loader.load()));
  }
}

export function pathParamsOf(path: string): string[] {
  return path.split("/").flatMap((segment) => {
    const name = PATH_PARAM.exec(segment)?.[1];
    return name ? [name] : [];
  });
}

function shapeOf(parser: unknown, where: string): { shape: z.ZodRawShape; optional: boolean } {
  if (parser instanceof z.ZodVoid || parser instanceof z.ZodUndefined) return { shape: {}, optional: true };
  const optional = parser instanceof z.ZodOptional;
  const inner = parser instanceof z.ZodOptional ? parser.unwrap() : parser;
  if (inner instanceof z.ZodObject) return { shape: inner.shape, optional };
  throw new Error(`${where}: a REST procedure's input must be an object schema`);
}

function restProcedureOf(path: string, procedure: AnyProcedure): RestProcedure | null {
  // `output` and the builder's meta are set at runtime but not part of tRPC's public procedure type.
  const def = procedure._def as typeof procedure._def & { output?: unknown; meta?: Partial<ProcedureMeta> };
  const rest = def.meta?.rest;
  if (!rest) return null;
  const where = `${path} (${rest.method} ${rest.path})`;
  if (def.type === "subscription") throw new Error(`${where}: subscriptions cannot be REST routes`);
  if (!def.meta?.requires) throw new Error(`${where}: declares no requirement`);
  if (!rest.path.startsWith("/")) throw new Error(`${where}: the path must start with "/"`);

  const parts = def.inputs.map((parser) => shapeOf(parser, where));
  const input = z.object(Object.assign({}, ...parts.map((part) => part.shape)) as z.ZodRawShape);
  const pathParams = pathParamsOf(rest.path);
  for (const name of pathParams) {
    if (!(name in input.shape)) throw new Error(`${where}: path segment {${name}} is not an input field`);
  }
  if (rest.stream && !(rest.stream.formatField in input.shape)) {
    throw new Error(`${where}: stream format field ${rest.stream.formatField} is not an input field`);
  }
  return {
    procedure: path,
    requires: def.meta.requires,
    rest,
    input,
    inputOptional: parts.every((part) => part.optional),
    pathParams,
    output: def.output instanceof z.ZodType ? def.output : undefined,
  };
}

/**
 * Every procedure with `meta.rest`, sorted by path, lazy sub-routers included. Throws on a route that
 * cannot be served (two procedures on one method and path, a path segment that is not an input field).
 */
export async function restProcedures(router: AnyRouter): Promise<RestProcedure[]> {
  await loadRouter(router);
  const procedures = router._def.procedures as Record<string, AnyProcedure>;
  const found = Object.entries(procedures)
    .map(([path, procedure]) => restProcedureOf(path, procedure))
    .filter((entry): entry is RestProcedure => entry !== null)
    .sort((a, b) => a.rest.path.localeCompare(b.rest.path) || a.rest.method.localeCompare(b.rest.method));
  const seen = new Map<string, string>();
  for (const entry of found) {
    for (const served of [entry.rest, ...(entry.rest.aliases ?? [])]) {
      // `{botId}` and `{id}` at the same place are the same route to a client.
      const key = `${served.method} ${served.path.replaceAll(/\{\w+\}/g, "{}")}`;
      const other = seen.get(key);
      if (other) throw new Error(`${entry.procedure} and ${other} both declare ${key}`);
      seen.set(key, entry.procedure);
      const missing = pathParamsOf(served.path).find((name) => !(name in entry.input.shape));
      if (missing)
        throw new Error(`${entry.procedure} (${key}): path segment {${missing}} is not an input field`);
    }
  }
  return found;
}
