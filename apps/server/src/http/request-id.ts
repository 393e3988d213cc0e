import { randomUUID } from "node:crypto";

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Keeps a caller's (or proxy's) X-Request-Id so logs correlate across hops, but only a short plain
 * token: anything else could forge log lines or bloat them, and is replaced by a fresh UUID.
 */
export function resolveRequestId(header: string | string[] | undefined): string {
  return typeof header === "string" && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
