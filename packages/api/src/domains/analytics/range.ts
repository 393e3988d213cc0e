import { invalidField } from "../../core/errors";
import { MAX_RANGE_DAYS, type OverviewInput } from "./schemas";

const DAY_MS = 86_400_000;
const PRESET_DAYS = { today: 1, "7d": 7, "30d": 30, "90d": 90 } as const;

/** An IANA zone Intl knows (an org's `timeZone` is checked with it before it is stored). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar day `now` falls on in `timeZone`, as YYYY-MM-DD. */
export function localDateOf(now: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

/** Calendar arithmetic on YYYY-MM-DD (in UTC, where every day has 24 hours). */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;

/** Every local day of the range, first to last. */
export function daysOf(from: string, to: string): string[] {
  return Array.from({ length: daysBetween(from, to) }, (_, index) => addDays(from, index));
}

/**
 * The local days a request covers: a preset ending today, or `from`..`to` (inclusive). Which instants
 * those days span is left to Postgres (`day::timestamp at time zone zone`), which knows each day's length.
 */
export function resolveRange(
  input: OverviewInput,
  timeZone: string,
  now: Date,
): { from: string; to: string } {
  const today = localDateOf(now, timeZone);
  if (input.from === undefined) {
    if (input.to !== undefined) throw invalidField("from", "A custom range needs `from`");
    return { from: addDays(today, 1 - PRESET_DAYS[input.range ?? "7d"]), to: today };
  }
  const to = input.to ?? today;
  if (input.from > to) throw invalidField("to", "`to` is before `from`");
  if (daysBetween(input.from, to) > MAX_RANGE_DAYS) {
    throw invalidField("from", `A range covers at most ${MAX_RANGE_DAYS} days`);
  }
  return { from: input.from, to };
}
