import { z } from "zod";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const businessHoursSchema = z
  .object({
    timezone: z.string().refine(isTimeZone, { message: "Unknown IANA time zone" }),
    /** Open ranges per weekday in the bot's time zone; `end` after `start` (no overnight ranges). */
    ranges: z
      .array(
        z
          .object({
            day: z.enum(WEEKDAYS),
            start: z.string().regex(CLOCK, "Use HH:MM (24-hour)"),
            end: z.string().regex(CLOCK, "Use HH:MM (24-hour)"),
          })
          .refine((range) => range.end > range.start, {
            message: "`end` must be after `start`",
            path: ["end"],
          }),
      )
      .max(50),
  })
  .meta({ id: "BusinessHours" });

export const escalationRulesSchema = z
  .object({
    /** A visitor message containing one of these (case-insensitive) hands the conversation to a human. */
    keywords: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
    /** Consecutive fallback replies before handoff; 0 disables this rule. */
    fallbacksBeforeHandoff: z.int().min(0).max(20).default(3),
  })
  .meta({ id: "EscalationRules" });

/**
 * A bot's editable configuration, stored as `bots.config` and snapshotted by `publish`. Every field has
 * a default so older stored configs parse after new fields are added.
 */
export const botConfigSchema = z
  .object({
    persona: z.string().max(20_000).default(""),
    welcomeMessage: z.string().max(2_000).default("Hi! How can I help you today?"),
    fallbackMessage: z
      .string()
      .min(1)
      .max(2_000)
      .default(
        "Sorry, I don't have an answer to that yet. Could you rephrase, or leave your email so we can follow up?",
      ),
    /** BCP 47 tag, e.g. `en` or `pt-BR`. */
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "Use a BCP 47 language tag such as en or pt-BR")
      .default("en"),
    /** Null: always open. */
    businessHours: businessHoursSchema.nullable().default(null),
    outOfHoursMessage: z
      .string()
      .min(1)
      .max(2_000)
      .default("We're away right now. Leave a message and we'll get back to you."),
    allowedActionIds: z.array(z.uuid()).max(100).default([]),
    escalation: escalationRulesSchema.default({ keywords: [], fallbacksBeforeHandoff: 3 }),
    /** When true, widget sessions must carry a valid `userId` + `userHash`. */
    requireIdentity: z.boolean().default(false),
  })
  .meta({ id: "BotConfig" });

export type BotConfig = z.output<typeof botConfigSchema>;
export type BotConfigInput = z.input<typeof botConfigSchema>;

/** Reads a stored config; a stored value always passed this schema when written. */
export function parseBotConfig(stored: unknown): BotConfig {
  return botConfigSchema.parse(stored);
}
