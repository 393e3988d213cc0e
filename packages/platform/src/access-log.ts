import type { Logger } from "./logger";

/** One request's access log line: fixed fields, none of them request data. */
export interface AccessEntry {
  requestId: string;
  method: string;
  /** A route template or label, never the raw URL. */
  route: string;
  status: number;
  durationMs: number;
  userId: string | undefined;
  orgId: string | undefined;
  /** The client went away before the response was finished. */
  aborted: boolean;
}

/**
 * Writes one `request` line per response through a child of `logger` without redaction: the entry's
 * fields are ids, a route template and numbers, never request data, so walking the redaction paths
 * (every key checked against a dozen patterns) would be pure cost on the busiest line there is.
 */
export function createAccessLog(logger: Logger): (entry: AccessEntry) => void {
  const access = logger.child({}, { redact: [] });
  return (entry) => access.info(entry, "request");
}
