import type { ServerResponse } from "node:http";
import { AppError, type Context, type RestProcedure, type RestStreamMeta, restProcedures } from "@kyro/api";
import type { AnyRouter } from "@trpc/server";
import { rateLimitHeaderList, sendJson } from "./envelope";
import { type FieldReader, fieldReaders, readQuery } from "./query";
import type { HeaderList } from "./response";
import { BODY_METHODS, REST_PREFIX, type RestCall, type RestRoute } from "./rest";
import { callProcedure, getProcedureAtPath, isPlainObject } from "./trpc-internals";

interface Issue {
  path: string;
  code: string;
  message: string;
}

type Invoke = (context: Context, input: unknown) => Promise<unknown>;

/**
 * Calls the procedure at `path` as `createCaller` does (same options, so the same middleware chain and
 * validation), minus the per-request proxy and path lookup, which showed in profiles.
 */
async function procedureAt(router: AnyRouter, path: string): Promise<Invoke> {
  const procedure = await getProcedureAtPath(router, path);
  if (!procedure) throw new Error(`No procedure at ${path}`);
  return (ctx, input) => callProcedure(procedure, { path, ctx, getRawInput: resolvesTo(input) });
}

/** Built here rather than inline so no per-request closure gets a run-time name (tsx keeps names). */
function resolvesTo(value: unknown): () => Promise<unknown> {
  return () => Promise.resolve(value);
}

function giveParameter(
  readers: ReadonlyMap<string, FieldReader>,
  input: Record<string, unknown>,
  issues: Issue[],
  name: string,
  value: unknown,
): void {
  if (!readers.has(name)) {
    issues.push({ path: name, code: "unrecognized_keys", message: `Unknown parameter \`${name}\`` });
  } else if (Object.hasOwn(input, name)) {
    issues.push({ path: name, code: "duplicate_parameter", message: `\`${name}\` is given more than once` });
  } else {
    input[name] = value;
  }
}

const NO_QUERY: ReturnType<typeof readQuery> = Object.freeze({ values: {}, unknown: [] });

/**
 * The procedure input: path params ∪ query params ∪ JSON body. A name given twice, or one the input
 * does not have, is refused rather than silently merged or dropped.
 */
function assembleInput(
  entry: RestProcedure,
  readers: ReadonlyMap<string, FieldReader>,
  call: RestCall,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const [name, text] of Object.entries(call.params))
    giveParameter(readers, input, issues, name, readers.get(name)?.read(text) ?? text);
  // A raw-body route takes its path params only; senders may add query strings we must not reject.
  if (entry.rest.rawBody) return input;
  const query = call.url.searchParams.size === 0 ? NO_QUERY : readQuery(call.url.searchParams, readers);
  for (const name of query.unknown) giveParameter(readers, input, issues, name, undefined);
  for (const [name, value] of Object.entries(query.values))
    giveParameter(readers, input, issues, name, value);
  if (BODY_METHODS.has(entry.rest.method) && call.body !== undefined) {
    if (!isPlainObject(call.body)) throw new AppError("BAD_REQUEST", "The JSON body must be an object");
    for (const [name, value] of Object.entries(call.body)) giveParameter(readers, input, issues, name, value);
  }
  if (issues.length > 0) throw new AppError("BAD_REQUEST", "Invalid input", { issues });
  return input;
}

function isTextStream(value: unknown): value is AsyncIterable<string> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] === "function"
  );
}

/**
 * Writes a chunk and resolves once it is handed to the socket: false when the client has gone. One
 * chunk in flight is the backpressure, and it makes sure a failure marker is sent before a cut.
 */
function written(res: ServerResponse, chunk: string): Promise<boolean> {
  return new Promise((resolve) => res.write(chunk, (error) => resolve(!error && !res.destroyed)));
}

/** `audit-events-20250102T030405Z.csv`; only safe characters reach the header. */
function attachmentName(prefix: string, format: string, at = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}/, "")
    .replaceAll(/[-:]/g, "");
  return `${prefix}-${stamp}.${format}`.replaceAll(/[^\w.-]/g, "_");
}

/**
 * Streams the file with backpressure. Nothing is sent until the first chunk arrives, and the exports
 * query and format their first page before yielding it, so failures up to then (authorization,
 * validation, the first query) still answer with the error envelope. A later failure arrives after the
 * exporter wrote its failure marker: it is rethrown, and the server then destroys the connection
 * without the final chunk, so HTTP clients see a cut transfer rather than a complete file.
 */
async function sendStream(
  res: ServerResponse,
  status: number,
  output: unknown,
  stream: RestStreamMeta,
  format: string,
  limitHeaders: HeaderList,
): Promise<void> {
  if (!isTextStream(output)) throw new Error("A streaming REST procedure must resolve to an AsyncIterable");
  const iterator = output[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.writeHead(status, [
    "Content-Type",
    stream.contentTypes[format] ?? "application/octet-stream",
    "Content-Disposition",
    `attachment; filename="${attachmentName(stream.filenamePrefix, format)}"`,
    ...limitHeaders,
  ]);
  try {
    while (!next.done) {
      if (!(await written(res, next.value))) return;
      next = await iterator.next();
    }
  } finally {
    // Left early (client gone, or the source failed): let the source close what it holds.
    if (!next.done) await iterator.return?.();
  }
  res.end();
}

/**
 * Server-Sent Events: the head goes out with the first event (failures before it still answer with the
 * error envelope), then each event as soon as it is produced. A client that leaves ends the iteration;
 * what the procedure does meanwhile (storing the answer) carries on without it.
 */
async function sendEvents(res: ServerResponse, output: unknown, limitHeaders: HeaderList): Promise<void> {
  if (!isTextStream(output))
    throw new Error("An event-stream REST procedure must resolve to an AsyncIterable");
  const iterator = output[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.writeHead(200, [
    "Content-Type",
    "text/event-stream; charset=utf-8",
    "Cache-Control",
    "no-cache",
    "X-Accel-Buffering",
    "no",
    ...limitHeaders,
  ]);
  try {
    while (!next.done) {
      if (!(await written(res, next.value))) return;
      next = await iterator.next();
    }
  } finally {
    if (!next.done) await iterator.return?.();
  }
  res.end();
}

function routeFor(entry: RestProcedure, invoke: Invoke): RestRoute {
  const readers = fieldReaders(entry.input);
  const status = entry.rest.successStatus ?? 200;
  return {
    method: entry.rest.method,
    path: `${REST_PREFIX}${entry.rest.path}`,
    rawBody: entry.rest.rawBody,
    async handle(call) {
      const input = assembleInput(entry, readers, call);
      const empty = Object.keys(input).length === 0 && entry.inputOptional;
      const output = await invoke(call.context, empty ? undefined : input);
      const limitHeaders = rateLimitHeaderList(call.trace.limits, false);
      if (entry.rest.eventStream) {
        await sendEvents(call.res, output, limitHeaders);
        return;
      }
      if (entry.rest.stream) {
        const format = String(input[entry.rest.stream.formatField]);
        await sendStream(call.res, status, output, entry.rest.stream, format, limitHeaders);
        return;
      }
      // JSON.stringify turns Dates into ISO 8601 text: plain JSON, no superjson envelope.
      sendJson(call.res, status, output === undefined ? null : output, limitHeaders);
    },
  };
}

/** One route per procedure with `meta.rest`; loads lazy sub-routers and checks the declarations first. */
export async function procedureRoutes(router: AnyRouter): Promise<RestRoute[]> {
  const entries = await restProcedures(router);
  return Promise.all(
    entries.map(async (entry) => routeFor(entry, await procedureAt(router, entry.procedure))),
  );
}
