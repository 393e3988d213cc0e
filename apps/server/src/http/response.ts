import {
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  ServerResponse,
} from "node:http";
import type { RequestState } from "./request-state";
import { SECURITY_HEADER_LIST } from "./security";

/** Headers in the flat form writeHead takes: name, value, name, value, … */
export type HeaderList = readonly string[];

export const NO_HEADERS: HeaderList = Object.freeze([]);

/** The names the server adds to every response (lower-cased), beside any CORS headers. */
const SERVER_HEADER_NAMES = new Set(
  ["x-request-id", "vary", "connection"].concat(
    SECURITY_HEADER_LIST.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase()),
  ),
);

/** The lower-cased names in `given` the server also sets: the handler's values replace the server's. */
function overriddenBy(given: HeaderList): ReadonlySet<string> | null {
  let names: Set<string> | null = null;
  for (let index = 0; index < given.length; index += 2) {
    const name = given[index]?.toLowerCase() ?? "";
    if (SERVER_HEADER_NAMES.has(name) || name.startsWith("access-control-")) {
      names ??= new Set();
      names.add(name);
    }
  }
  return names;
}

/** Appends the name/value pairs of `headers` to `head`, leaving out the names in `skip`. */
function append(head: string[], headers: HeaderList, skip: ReadonlySet<string> | null): void {
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    if (!skip?.has(name.toLowerCase())) head.push(name, headers[index + 1] as string);
  }
}

export interface ServerLifecycle {
  draining: boolean;
}

const VARY_ORIGIN: HeaderList = ["Vary", "Origin"];
const CONNECTION_CLOSE: HeaderList = ["Connection", "close"];

const RUNNING: ServerLifecycle = Object.freeze({ draining: false });

type GivenHeaders = OutgoingHttpHeaders | OutgoingHttpHeader[];

/**
 * The server's response. It knows the headers every answer carries — the request id, the security
 * headers, Vary and CORS — and adds them when the head is written, whoever writes it: a handler that
 * passes its own headers to writeHead (as `sendJson` does) gets everything in one list, validated once.
 * Set one by one with setHeader on every request, they were a visible part of a request's CPU in
 * profiles. A header a handler did set itself (a docs page's CSP, say) wins over the server's.
 */
export class KyroResponse extends ServerResponse<IncomingMessage> {
  /** Set by the server before it dispatches the request. */
  state!: RequestState;
  /** When the request arrived (performance.now()), for the access log. */
  started = 0;
  /** The CORS headers this request's Origin earned, if any. */
  corsHeaders: HeaderList = NO_HEADERS;
  /** The server's state, shared by its responses: once it drains, each answer closes its connection. */
  lifecycle: ServerLifecycle = RUNNING;

  /** What the server adds to every response, in writeHead's flat form, leaving out the names in `skip`. */
  private serverHeaders(skip: ReadonlySet<string> | null): string[] {
    const head: string[] = [];
    append(head, ["X-Request-Id", this.state.request.requestId], skip);
    append(head, SECURITY_HEADER_LIST, skip);
    append(head, VARY_ORIGIN, skip);
    append(head, this.corsHeaders, skip);
    if (this.lifecycle.draining) append(head, CONNECTION_CLOSE, skip);
    return head;
  }

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | GivenHeaders,
    headers?: GivenHeaders,
  ): this {
    const reason = typeof reasonOrHeaders === "string" ? reasonOrHeaders : undefined;
    const given = typeof reasonOrHeaders === "string" ? headers : reasonOrHeaders;
    if (this.headersSent || !this.state) return super.writeHead(statusCode, reason, given);
    const list = given === undefined || (Array.isArray(given) && typeof given[0] !== "object");
    if (list && this.getHeaderNames().length === 0) {
      const own = (given ?? NO_HEADERS) as HeaderList;
      const head = this.serverHeaders(overriddenBy(own));
      append(head, own, null);
      return super.writeHead(statusCode, reason, head);
    }
    // Headers were set one by one (or come in another form): add the server's where the handler set none.
    const server = this.serverHeaders(null);
    for (let index = 0; index < server.length; index += 2) {
      const name = server[index] as string;
      if (!this.hasHeader(name)) this.setHeader(name, server[index + 1] as string);
    }
    return super.writeHead(statusCode, reason, given);
  }
}
