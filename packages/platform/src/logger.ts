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

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "kyro" },
      redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
      timestamp: isoTime,
    },
    options.destination,
  );
}
