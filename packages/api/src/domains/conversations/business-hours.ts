import type { BotConfig } from "../shared/bot-config";

type BusinessHours = NonNullable<BotConfig["businessHours"]>;

/** Building an Intl formatter costs far more than using one, so there is one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The weekday (`mon`…`sun`) and wall-clock `HH:MM` at `now` in the time zone. */
export function localClock(timeZone: string, now: Date): { day: string; time: string } {
  const parts = formatterFor(timeZone).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((entry) => entry.type === type)?.value ?? "";
  return { day: part("weekday").toLowerCase(), time: `${part("hour")}:${part("minute")}` };
}

/**
 * Whether `now` falls in one of the open ranges of its weekday, in the bot's IANA time zone (so
 * daylight-saving changes follow the zone's rules). A range includes `start` and excludes `end`.
 * No business hours configured means always open; configured hours with no ranges mean always closed.
 */
export function isOpen(hours: BusinessHours | null, now: Date): boolean {
  if (!hours) return true;
  const { day, time } = localClock(hours.timezone, now);
  return hours.ranges.some((range) => range.day === day && range.start <= time && time < range.end);
}
