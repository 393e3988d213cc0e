import { openSync, writeSync } from "node:fs";
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
/** Buffered text (in UTF-16 units) past which the buffer is written at once. */
const FLUSH_AT_CHARS = 16 * 1024;
/** How long a write to a full non-blocking pipe waits before it is tried again. */
const RETRY_FULL_PIPE_MS = 5;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Bytes of `text` written in one try; 0 when the pipe is full (EAGAIN). */
function writeText(fd: number, text: string): number {
  try {
    return writeSync(fd, text);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    return 0;
  }
}

/** Writes all of `bytes`, waiting out a full pipe (EAGAIN) rather than dropping lines. */
function writeFully(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(pause, 0, 0, RETRY_FULL_PIPE_MS);
    }
  }
}

/**
 * Log lines kept in memory and written together: when 16 KiB have gathered, every 200 ms, and when the
 * process exits — so a SIGKILL loses at most 200 ms of lines. Writes are synchronous, as pino's own
 * default destination's are, but one per ~100 lines instead of one per line.
 * Written here rather than taken from sonic-boom (pino's buffered destination): sonic-boom measures the
 * byte length of its whole pending chunk on every line, so a line costs more the fuller the buffer, and
 * its asynchronous writes each wake libuv's thread pool; at thousands of access lines a second both
 * showed in request profiles.
 */
class BufferedLines implements pino.DestinationStream {
  private pending: string[] = [];
  private size = 0;

  constructor(private readonly fd: number) {}

  write(line: string): void {
    this.pending.push(line);
    this.size += line.length;
    if (this.size >= FLUSH_AT_CHARS) this.flushSync();
  }

  flushSync(): void {
    if (this.size === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.size = 0;
    try {
      // Written as text first (no Buffer copy); only a partial write, to a full pipe, takes the slow path.
      const written = writeText(this.fd, text);
      if (written < Buffer.byteLength(text)) writeFully(this.fd, Buffer.from(text).subarray(written));
    } catch (error) {
      // Nowhere left to write (a closed pipe, say): the lines are lost, but requests must not fail on it.
      process.emitWarning(`Log lines could not be written: ${(error as Error).message}`);
    }
  }

  flush(done?: (error?: Error) => void): void {
    this.flushSync();
    done?.();
  }
}

const openDestinations = new Set<BufferedLines>();
let flushTimer: NodeJS.Timeout | undefined;

function flushAll(): void {
  for (const destination of openDestinations) destination.flushSync();
}

/** Where log lines go by default: stdout, or a file (opened here, synchronously, in append mode). */
export function logDestination(dest: number | string = 1): pino.DestinationStream {
  const destination = new BufferedLines(typeof dest === "number" ? dest : openSync(dest, "a"));
  openDestinations.add(destination);
  if (!flushTimer) {
    flushTimer = setInterval(flushAll, FLUSH_EVERY_MS);
    flushTimer.unref();
    process.once("exit", flushAll);
  }
  return destination;
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
