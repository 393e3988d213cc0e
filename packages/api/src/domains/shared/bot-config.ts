import { z } from "zod";
import { multiLine, NOT_BLANK, singleLine, token } from "../../core/text-input";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Zones found valid so far. Constructing a DateTimeFormat costs tens of µs, and every bot view's
 * config is validated on output (a list of 20 bots spent a tenth of its CPU here); the set stays small,
 * as only names the runtime accepts enter it.
 */
const knownTimeZones = new Set<string>();

function isTimeZone(value: string): boolean {
  if (knownTimeZones.has(value)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
  } catch {
    return false;
  }
  knownTimeZones.add(value);
  return true;
}

export const businessHoursSchema = z
  .object({
    timezone: token().refine(isTimeZone, { message: "Unknown IANA time zone" }).meta({
      description: "An IANA time zone the server's runtime knows, such as `Europe/Paris` (400 otherwise).",
    }),
    /** Open ranges per weekday in the bot's time zone; `end` after `start` (no overnight ranges). */
    ranges: z
      .array(
        z
          .object({
            day: z.enum(WEEKDAYS),
            start: token().regex(CLOCK, "Use HH:MM (24-hour)"),
            end: token().regex(CLOCK, "Use HH:MM (24-hour)"),
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
    keywords: z
      .array(singleLine().trim().min(1).regex(NOT_BLANK, "Must not be blank").max(100))
      .max(50)
      .default([]),
    /** Consecutive fallback replies before handoff; 0 disables this rule. */
    fallbacksBeforeHandoff: z.int().min(0).max(20).default(3),
  })
  .meta({ id: "EscalationRules" });

/**
 * How the bot answers with a language model, when its org has a provider: which provider and model (null:
 * the org's default provider and its chat model), sampling, and how much context goes into the prompt.
 */
export const aiAnswerSettingsSchema = z
  .object({
    /** false: the bot answers from its Q/A entries only, as without a provider. */
    enabled: z.boolean(),
    providerId: z.uuid().nullable(),
    model: token().min(1).max(200).nullable(),
    temperature: z.number().min(0).max(2),
    maxTokens: z.int().min(16).max(8_192),
    /** Retrieved passages put in the prompt. */
    maxPassages: z.int().min(1).max(20),
    /** Earlier messages of the conversation put in the prompt. */
    historyMessages: z.int().min(0).max(50),
  })
  .meta({ id: "BotAiSettings" });

/**
 * The fields of a bot's configuration, without defaults: the full schema requires them all and the patch
 * schema makes them optional. (Zod 4 applies a field's default inside `.partial()`, so a patch built from
 * a schema with defaults would reset every field it does not mention.)
 */
const configFields = {
  /** System prompt: who the bot is and how it answers. */
  persona: multiLine().max(20_000),
  welcomeMessage: multiLine().max(2_000),
  fallbackMessage: multiLine().min(1).max(2_000),
  /** BCP 47 tag, e.g. `en` or `pt-BR`. */
  language: token().regex(
    /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/,
    "Use a BCP 47 language tag such as en or pt-BR",
  ),
  /** Null: always open. */
  businessHours: businessHoursSchema.nullable(),
  outOfHoursMessage: multiLine().min(1).max(2_000),
  allowedActionIds: z.array(z.uuid()).max(100),
  escalation: escalationRulesSchema,
  /** When true, widget sessions must carry a valid `userId` + `userHash`. */
  requireIdentity: z.boolean(),
  /** Model settings, versioned with the rest of the config; replaced as a whole by a patch. */
  ai: aiAnswerSettingsSchema,
};

/** A bot's configuration as stored in `bots.config` and snapshotted by `publish`. */
export const botConfigSchema = z.object(configFields).meta({ id: "BotConfig" });

/** The fields to change; the others keep their value (or the default, on creation). */
export const botConfigPatchSchema = z.object(configFields).partial().meta({ id: "BotConfigPatch" });

export type BotConfig = z.output<typeof botConfigSchema>;
export type BotConfigPatch = z.input<typeof botConfigPatchSchema>;

export const DEFAULT_BOT_CONFIG: BotConfig = {
  persona: "",
  welcomeMessage: "Hi! How can I help you today?",
  fallbackMessage:
    "Sorry, I don't have an answer to that yet. Could you rephrase, or leave your email so we can follow up?",
  language: "en",
  businessHours: null,
  outOfHoursMessage: "We're away right now. Leave a message and we'll get back to you.",
  allowedActionIds: [],
  escalation: { keywords: [], fallbacksBeforeHandoff: 3 },
  requireIdentity: false,
  ai: {
    enabled: true,
    providerId: null,
    model: null,
    temperature: 0.2,
    maxTokens: 512,
    maxPassages: 5,
    historyMessages: 6,
  },
};

/**
 * Reads a stored config. Fields added after it was written take their default, so older configs and
 * version snapshots keep parsing.
 */
export function parseBotConfig(stored: unknown): BotConfig {
  const fields = stored && typeof stored === "object" ? stored : {};
  return botConfigSchema.parse({ ...DEFAULT_BOT_CONFIG, ...fields });
}

/**
 * A stored config with the defaults of fields added since it was written, for a view whose output
 * schema validates it (so it is parsed once, there). One literal of the config's shape, field by field.
 */
export function storedBotConfig(stored: unknown): BotConfig {
  const fields = (stored && typeof stored === "object" ? stored : {}) as Partial<BotConfig>;
  return {
    persona: fields.persona ?? DEFAULT_BOT_CONFIG.persona,
    welcomeMessage: fields.welcomeMessage ?? DEFAULT_BOT_CONFIG.welcomeMessage,
    fallbackMessage: fields.fallbackMessage ?? DEFAULT_BOT_CONFIG.fallbackMessage,
    language: fields.language ?? DEFAULT_BOT_CONFIG.language,
    businessHours:
      fields.businessHours === undefined ? DEFAULT_BOT_CONFIG.businessHours : fields.businessHours,
    outOfHoursMessage: fields.outOfHoursMessage ?? DEFAULT_BOT_CONFIG.outOfHoursMessage,
    allowedActionIds: fields.allowedActionIds ?? DEFAULT_BOT_CONFIG.allowedActionIds,
    escalation: fields.escalation ?? DEFAULT_BOT_CONFIG.escalation,
    requireIdentity: fields.requireIdentity ?? DEFAULT_BOT_CONFIG.requireIdentity,
    ai: fields.ai ?? DEFAULT_BOT_CONFIG.ai,
  };
}

/** Applies a validated patch: top-level fields replace, nested objects (hours, escalation) as a whole. */
export function applyConfigPatch(base: BotConfig, patch: z.output<typeof botConfigPatchSchema>): BotConfig {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  return botConfigSchema.parse({ ...base, ...defined });
}
