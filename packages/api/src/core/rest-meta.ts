/**
 * A REST route, declared once as metadata on the procedure it serves. The server's generic adapter
 * serves it under /api/v1 through createCaller, and the OpenAPI document is generated from it and the
 * procedure's own zod input/output schemas — so the three can never drift apart.
 * Plain data only: this type is part of the published `AppRouter`.
 */
export type RestMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RestMeta {
  method: RestMethod;
  /** Path below /api/v1 with `{field}` segments named after input fields, e.g. `/bots/{botId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** HTTP status of a success (default 200; 201 for creations, 204 for a hard delete). */
  successStatus?: 200 | 201 | 202 | 204;
  /**
   * Where a 201's resource lives, sent as `Location` (below /api/v1): `{name}` is an input field,
   * `{a.b}` a field of the answer, e.g. `/bots/{bot.id}`. Set on every 201 whose resource has its own URL.
   */
  location?: string;
  /** Why this operation can answer 409 (`details.reason`), when it can. */
  conflicts?: readonly string[];
  /** Why this operation can answer 422 (`details.reason`), when it can. */
  unprocessable?: readonly string[];
  /** The credential taken: an API key or access token (default), a widget session, or none (`public`). */
  auth?: "widgetSession";
  /** The page's `Origin` header is required (widget routes: checked against the bot's allowed domains). */
  requiresOrigin?: boolean;
  /**
   * JSON Schema keywords for the body's cross-field rules the input's refinements enforce
   * (`oneOf`, `anyOf`, `dependentRequired`), so the document says what the server checks.
   */
  bodyRules?: Readonly<Record<string, unknown>>;
  /** Old method/path pairs still served for this operation, answering `Deprecation` and `Sunset`. */
  aliases?: readonly RestAlias[];
  /** Present when the procedure resolves to an `AsyncIterable<string>` sent as a file download. */
  stream?: RestStreamMeta;
  /**
   * The procedure resolves to an `AsyncIterable<string>` of Server-Sent Events, each chunk one or more
   * complete events, written as it comes (`text/event-stream`, no buffering).
   */
  eventStream?: RestEventStreamMeta;
  /**
   * The body is not mapped into the input and need not be JSON: the procedure reads `ctx.rawBody` and
   * `ctx.headers` itself (signed inbound webhooks). Only path params become input.
   */
  rawBody?: boolean;
}

export interface RestStreamMeta {
  /** The input field whose value picks the format, e.g. `format`. */
  formatField: string;
  /** Content type per format value; the document describes JSON ones as an array, the rest as text. */
  contentTypes: Readonly<Record<string, string>>;
  /** The download is named `${filenamePrefix}-${UTC timestamp}.${format}`. */
  filenamePrefix: string;
  /** Component id (a schema's `.meta({ id })`) of one element of a JSON array stream, for the document. */
  itemSchemaId?: string;
}

export interface RestEventStreamMeta {
  /** The event names and what each carries, for the document. */
  events: Readonly<Record<string, string>>;
}

/** A deprecated route of an operation: served until `sunset`, then removed (CHANGELOG.md names it). */
export interface RestAlias {
  method: RestMethod;
  path: string;
  /** When it was deprecated and when it goes away, as `YYYY-MM-DD` (UTC). */
  deprecatedOn: string;
  sunset: string;
}
