import type { ServerResponse } from "node:http";
import { type DescribedError, type ErrorDetails, type LimitOutcome, rateLimitHeaders } from "@kyro/api";
import { type HeaderList, NO_HEADERS } from "./response";

export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    requestId: string;
    details: ErrorDetails;
  };
}

const JSON_TYPE = "application/json; charset=utf-8";

/** Writes `body` as JSON with `headers` besides its own; the head goes out in one writeHead call. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers = NO_HEADERS): void {
  const payload = JSON.stringify(body);
  const head = ["Content-Type", JSON_TYPE, "Content-Length", String(Buffer.byteLength(payload))];
  for (const header of headers) head.push(header);
  res.writeHead(status, head);
  res.end(payload);
}

const UNAUTHORIZED_HEADERS: HeaderList = ["WWW-Authenticate", 'Bearer realm="kyro"'];

/** The REST error shape; `described` comes from `describeError`, so no internal detail leaks. */
export function sendError(
  res: ServerResponse,
  requestId: string,
  described: DescribedError,
  headers = NO_HEADERS,
): void {
  const envelope: ErrorEnvelope = {
    error: {
      code: described.code,
      message: described.message,
      requestId,
      details: described.details,
    },
  };
  sendJson(
    res,
    described.status,
    envelope,
    described.status === 401 ? [...UNAUTHORIZED_HEADERS, ...headers] : headers,
  );
}

/** RateLimit headers of the limits the request was counted against (a refusal adds Retry-After). */
export function rateLimitHeaderList(limits: LimitOutcome | undefined, refused: boolean): HeaderList {
  return limits ? rateLimitHeaders(limits, refused) : NO_HEADERS;
}

export const routeNotFound: DescribedError = {
  status: 404,
  code: "NOT_FOUND",
  message: "Route not found",
  details: { resource: "Route" },
};

/** A known path asked with a method it does not serve: 405 naming the ones it does (also in `Allow`). */
export function methodNotAllowed(allow: readonly string[]): DescribedError {
  return {
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    message: `This path answers ${allow.join(", ")}`,
    details: { allow: [...allow] },
  };
}
