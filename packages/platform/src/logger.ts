import { openSync } from "node:fs";
import { pino } from "pino";

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

/**
 * Where log lines go by default (stdout, or a file): written in chunks of at least 4 KiB, and at least
 * every 200 ms, rather than line by line — unbuffered, every line took its own trip through libuv's
 * thread pool, which profiles showed as the largest cost of a request's access log line. What is still
 * buffered is written synchronously when the process exits; a SIGKILL loses up to 200 ms of lines.
 */
export function logDestination(dest: number | string = 1): pino.DestinationStream {
  // A file is opened here, synchronously: sonic-boom opening it in the background could leave a process
  // that exits at once with nowhere to write its last lines.
  const fd = typeof dest === "number" ? dest : openSync(dest, "a");
  const stream = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  const timer = setInterval(() => stream.flush(), FLUSH_EVERY_MS);
  timer.unref();
  const stop = () => clearInterval(timer);
  stream.once("close", stop);
  stream.once("finish", stop);
  return stream;
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "kyro" },
      redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
      timestamp: isoTime,
    },
    options.destination ?? logDestination(),
  );
}
