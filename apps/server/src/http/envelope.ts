import type { ServerResponse } from "node:http";
import type { DescribedError } from "@kyro/api";

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

export const routeNotFound: DescribedError = { status: 404, code: "NOT_FOUND", message: "Route not found" };
