declare module "../../core/deps" {
  interface Settings {
    /** Delays between webhook delivery attempts, in seconds (KYRO_WEBHOOK_RETRY_SCHEDULE). */
    webhookRetryScheduleSeconds: readonly number[];
  }
}

/**
 * Like Svix: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (the first attempt is immediate,
 * so these are the delays after each failure). The default of KYRO_WEBHOOK_RETRY_SCHEDULE.
 */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE: readonly number[] = Object.freeze([
  5, 300, 1_800, 7_200, 18_000, 36_000, 36_000,
]);

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
