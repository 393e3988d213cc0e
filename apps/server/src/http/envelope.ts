import type { ServerResponse } from "node:http";
import { type DescribedError, type LimitOutcome, rateLimitHeaders } from "@kyro/api";

export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    requestId: string;
    details: Record<string, unknown> | null;
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(payload));
  res.end(payload);
}

/** The REST error shape; `described` comes from `describeError`, so no internal detail leaks. */
export function sendError(res: ServerResponse, requestId: string, described: DescribedError): void {
  if (described.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="kyro"');
  const envelope: ErrorEnvelope = {
    error: {
      code: described.code,
      message: described.message,
      requestId,
      details: described.details ?? null,
    },
  };
  sendJson(res, described.status, envelope);
}

/** RateLimit headers of the limits the request was counted against (a refusal adds Retry-After). */
export function setRateLimitHeaders(
  res: ServerResponse,
  limits: LimitOutcome | undefined,
  refused: boolean,
): void {
  if (!limits || res.headersSent) return;
  for (const [name, value] of rateLimitHeaders(limits, refused)) res.setHeader(name, value);
}

export const routeNotFound: DescribedError = { status: 404, code: "NOT_FOUND", message: "Route not found" };
