/**
 * A REST route, declared once as metadata on the procedure it serves. The server's generic adapter
 * serves it under /api/v1 through createCaller, and the OpenAPI document is generated from it and the
 * procedure's own zod input/output schemas — so the three can never drift apart.
 * Plain data only: this type is part of the published `AppRouter`.
 */
export interface RestMeta {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below /api/v1 with `{field}` segments named after input fields, e.g. `/bots/{botId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** HTTP status of a success (default 200; 201 for creations). */
  successStatus?: number;
  /** Present when the procedure resolves to an `AsyncIterable<string>` sent as a file download. */
  stream?: RestStreamMeta;
  /**
   * The procedure resolves to an `AsyncIterable<string>` of Server-Sent Events, each chunk one complete
   * event, written as it comes (`text/event-stream`, no buffering).
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
