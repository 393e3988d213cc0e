/** A Retry-After longer than this is not waited for. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60;

/** Delay before the next scheduled attempt, or null when the schedule is exhausted (dead letter). */
export function retryDelaySeconds(
  schedule: readonly number[],
  failedAttempt: number,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): number | null {
  const base = schedule[failedAttempt - 1];
  if (base === undefined) return null;
  // ±20 % jitter spreads the retries of many messages that failed together (an outage) apart.
  const jittered = base * (0.8 + 0.4 * random());
  // A receiver asking for more time (429/503 Retry-After) gets it, within a bound.
  const asked = retryAfterSeconds === null ? 0 : Math.min(retryAfterSeconds, MAX_RETRY_AFTER_SECONDS);
  return Math.max(jittered, asked);
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}
