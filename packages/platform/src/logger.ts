import { openSync } from "node:fs";
import { pino } from "pino";
import { serializeError } from "./error-serializer";

export type Logger = pino.Logger;

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_LOG_PATHS = [
  "password",
  "newPassword",
  "currentPassword",
  "token",
  "accessToken",
  "refreshToken",
  "secret",
  "key",
  "authorization",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.secret",
  "*.key",
  "*.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
];

let lastStamp = { at: Number.NaN, text: "" };

/**
 * pino's isoTime, formatted once per millisecond: at a few thousand lines a second, formatting the
 * date was a visible part of each access log line.
 */
function isoTime(): string {
  const at = Date.now();
  if (at !== lastStamp.at) lastStamp = { at, text: `,"time":"${new Date(at).toISOString()}"` };
  return lastStamp.text;
}

/** How long a log line may wait in the buffer before it is written. */
const FLUSH_EVERY_MS = 200;
/** Buffered bytes past which the buffer is written (below sonic-boom's 16 KiB maxWrite). */
const FLUSH_AT_BYTES = 8 * 1024;

/**
 * Where log lines go by default: stdout, or a file (appended to). pino's own destination (sonic-boom)
 * with a buffer: lines are written together once 8 KiB have gathered and at least every 200 ms, so a
 * SIGKILL loses at most 200 ms of lines; pino writes what is still buffered when the process exits.
 * A full pipe is waited out (sonic-boom retries EAGAIN) rather than dropping lines.
 */
export function logDestination(dest: number | string = 1): pino.DestinationStream {
  return pino.destination({
    // A file is opened here, synchronously, so a line logged just before the process exits is written.
    fd: typeof dest === "number" ? dest : openSync(dest, "a"),
    minLength: FLUSH_AT_BYTES,
    periodicFlush: FLUSH_EVERY_MS,
    sync: false,
  });
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "kyro" },
      redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
      // Errors go through an allowlist (error-serializer.ts): a failed query's text and bound values never
      // reach a line. `error` too, so a line logged under either key is safe.
      serializers: { err: serializeError, error: serializeError },
      timestamp: isoTime,
    },
    options.destination ?? logDestination(),
  );
}
