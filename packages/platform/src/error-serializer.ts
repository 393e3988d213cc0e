/**
 * How errors reach a log line (pino's `err` serializer) without the data they were raised over.
 *
 * A failed query's error carries its bound parameters in several places: Drizzle's `DrizzleQueryError`
 * puts them in its message ("params: …") and in `params`, PGlite's error repeats `query` and `params`,
 * postgres.js keeps `parameters`, and Postgres itself quotes values in `message` ("invalid input syntax
 * for type uuid: "…""), `detail` ("Key (email)=(…) already exists") and `where` ("portal parameter $1 =
 * '…'"). Passwords hashes, identity secrets and webhook credentials are such parameters. So a database
 * error is logged by an allowlist of fields that only ever name things (SQLSTATE, constraint, table,
 * column), never by the text Postgres or the driver composed; every other error keeps its message
 * (with any echoed query failure cut out), its stack frames and a few plain diagnostic fields.
 */

type Fields = Record<string, unknown>;

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  [field: string]: unknown;
}

/** SQLSTATE: five digits or upper-case letters; Postgres errors carry it next to a severity. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Condition names (Postgres appendix A) of the codes an operator meets most, to read a line at a glance. */
const CONDITIONS: Record<string, string> = {
  "08006": "connection_failure",
  "22001": "string_data_right_truncation",
  "22003": "numeric_value_out_of_range",
  "22021": "character_not_in_repertoire",
  "22P02": "invalid_text_representation",
  "22P05": "untranslatable_character",
  "23502": "not_null_violation",
  "23503": "foreign_key_violation",
  "23505": "unique_violation",
  "23514": "check_violation",
  "25P02": "in_failed_sql_transaction",
  "40001": "serialization_failure",
  "40P01": "deadlock_detected",
  "42P01": "undefined_table",
  "42703": "undefined_column",
  "53300": "too_many_connections",
  "57014": "query_canceled",
  "57P01": "admin_shutdown",
};

/**
 * Fields of a Postgres error that hold identifiers, never values: [logged name, postgres.js name,
 * PGlite name]. `message`, `detail`, `hint`, `where`, `internalQuery`, `query` and parameters are left out.
 */
const DATABASE_FIELDS = [
  ["severity", "severity", "severity"],
  ["constraint", "constraint_name", "constraint"],
  ["schema", "schema_name", "schema"],
  ["table", "table_name", "table"],
  ["column", "column_name", "column"],
  ["dataType", "data_type_name", "dataType"],
  ["routine", "routine", "routine"],
] as const;

/** Plain diagnostic fields other errors keep (system and HTTP errors): numbers and short codes. */
const PLAIN_FIELDS = ["code", "errno", "syscall", "port", "status", "statusCode"] as const;

/** Where a wrapper's message echoes a failed query, everything from here on is dropped. */
const QUERY_ECHO = /Failed query:|\bparams: /;

const MAX_DEPTH = 8;

/** NUL and unpaired surrogates: a jsonb or text column refuses them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this finds.
const NOT_STORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null;

const carriesStatement = (error: Fields) =>
  typeof error.query === "string" && ("params" in error || "parameters" in error);

/** A Postgres error (postgres.js `PostgresError`, PGlite's), or a driver/ORM error carrying a statement. */
function isDatabaseError(error: Fields): boolean {
  const postgres =
    typeof error.code === "string" && SQLSTATE.test(error.code) && typeof error.severity === "string";
  return postgres || carriesStatement(error);
}

/** The class name, or `fallback` where there is none worth reading (a plain object, a minified class). */
function typeOf(error: Fields, fallback: string): string {
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  if (typeof constructorName === "string" && constructorName !== "Object" && constructorName.length > 1) {
    return constructorName;
  }
  const named = typeof error.name === "string" && error.name.length > 1 && error.name !== "error";
  return named ? (error.name as string) : fallback;
}

/** The stack's frames only: its first lines repeat the message, which may hold the parameters. */
function framesOf(error: Fields): string | undefined {
  if (typeof error.stack !== "string") return undefined;
  const message = typeof error.message === "string" ? error.message : "";
  const frames = error.stack
    .replace(message, "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join("\n") : undefined;
}

/** `message` with every database error text of the chain, and any echoed query failure, taken out. */
function guardMessage(message: string, unsafe: readonly string[]): string {
  let guarded = message;
  for (const text of unsafe) guarded = guarded.split(text).join("[database error]");
  const echo = QUERY_ECHO.exec(guarded);
  if (echo) guarded = `${guarded.slice(0, echo.index)}[query failure not logged]`;
  return guarded;
}

/** The SQL command (`insert`, `select` …) of a statement text: its first word, nothing bound to it. */
function commandOf(query: unknown): string | undefined {
  if (typeof query !== "string") return undefined;
  return /^\s*([a-z]+)/i.exec(query)?.[1]?.toLowerCase();
}

function serializeDatabaseError(error: Fields): SerializedError {
  const serialized: SerializedError = { type: typeOf(error, "DatabaseError"), message: "Database error" };
  const code = typeof error.code === "string" && SQLSTATE.test(error.code) ? error.code : undefined;
  if (code) {
    const condition = CONDITIONS[code];
    serialized.message = `Database error ${code}${condition ? ` (${condition})` : ""}`;
    serialized.code = code;
    if (condition) serialized.condition = condition;
  } else if (carriesStatement(error)) {
    serialized.message = "Query failed";
  }
  for (const [name, postgresJs, pglite] of DATABASE_FIELDS) {
    const value = error[postgresJs] ?? error[pglite];
    if (typeof value === "string" && value !== "") serialized[name] = value;
  }
  const command = commandOf(error.query);
  if (command) serialized.command = command;
  return serialized;
}

function serializePlainError(error: Fields, unsafe: readonly string[]): SerializedError {
  const message = typeof error.message === "string" ? error.message : "";
  const serialized: SerializedError = {
    type: typeOf(error, "Error"),
    message: guardMessage(message, unsafe),
  };
  for (const field of PLAIN_FIELDS) {
    const value = error[field];
    if (typeof value === "number" || (typeof value === "string" && value.length <= 64)) {
      serialized[field] = typeof value === "string" ? guardMessage(value, unsafe) : value;
    }
  }
  return serialized;
}

/** Every error reachable through `cause` and `errors` (AggregateError), each once. */
function collect(error: unknown, seen: Set<Fields>, depth: number): void {
  if (!isObject(error) || seen.has(error) || depth > MAX_DEPTH) return;
  seen.add(error);
  collect(error.cause, seen, depth + 1);
  if (Array.isArray(error.errors)) for (const inner of error.errors) collect(inner, seen, depth + 1);
}

/** Bound values shorter than this are not searched for in messages: they would mask ordinary words. */
const MIN_MASKED_PARAMETER = 6;

/**
 * Texts anywhere in the chain that a wrapper's message may repeat: what the database or the driver
 * composed, and the bound values themselves (a caller may have put one in its own message).
 */
function unsafeTextsOf(chain: Iterable<Fields>): string[] {
  const texts: string[] = [];
  for (const error of chain) {
    if (!isDatabaseError(error)) continue;
    for (const field of ["message", "detail", "where", "hint", "query"]) {
      const value = error[field];
      if (typeof value === "string" && value.length > 0) texts.push(value);
    }
    const bound = [error.params, error.parameters].flatMap((list) => (Array.isArray(list) ? list : []));
    for (const value of bound) {
      const text = typeof value === "string" ? value : isObject(value) ? JSON.stringify(value) : undefined;
      if (text && text.length >= MIN_MASKED_PARAMETER) texts.push(text);
    }
  }
  return texts.sort((a, b) => b.length - a.length);
}

function serializeWith(
  error: Fields,
  unsafe: readonly string[],
  done: Set<Fields>,
  depth: number,
): SerializedError {
  done.add(error);
  const serialized = isDatabaseError(error)
    ? serializeDatabaseError(error)
    : serializePlainError(error, unsafe);
  const stack = framesOf(error);
  if (stack) serialized.stack = stack;
  if (depth < MAX_DEPTH && isObject(error.cause) && !done.has(error.cause)) {
    serialized.cause = serializeWith(error.cause, unsafe, done, depth + 1);
  }
  if (depth < MAX_DEPTH && Array.isArray(error.errors)) {
    serialized.errors = error.errors
      .filter((inner): inner is Fields => isObject(inner) && !done.has(inner))
      .map((inner) => serializeWith(inner, unsafe, done, depth + 1));
  }
  return serialized;
}

/**
 * pino's `err` serializer: an error (or an error-like object, as pg-boss emits) as a plain object that
 * carries no bound parameter, no query text and no value quoted by Postgres. Causes are nested.
 */
export function serializeError(error: unknown): SerializedError {
  if (!isObject(error)) return { type: typeof error, message: guardMessage(String(error), []) };
  const chain = new Set<Fields>();
  collect(error, chain, 0);
  return serializeWith(error, unsafeTextsOf(chain), new Set(), 0);
}

/**
 * One line describing an error as safely as the serializer does, for places that store a reason
 * (a failed job's output): no parameters, no query text, and no NUL, which a jsonb column refuses.
 */
export function describeErrorSafely(error: unknown): string {
  const parts: string[] = [];
  let current: SerializedError | undefined = serializeError(error);
  while (current) {
    parts.push(current.message ? `${current.type}: ${current.message}` : current.type);
    current = current.cause as SerializedError | undefined;
  }
  return parts.join("; caused by ").replace(NOT_STORABLE, "\uFFFD");
}
