import { z } from "zod";
import { httpsUrl } from "../../core/formats";
import { NOT_BLANK, singleLine, text } from "../../core/text-input";
import { DomainPatternError, normalizeDomainPattern } from "./origins";

const hexColor = singleLine()
  .trim()
  .regex(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i, "Use a hex colour such as #1a2b3c or #abc")
  .overwrite((value) => value.toLowerCase());

const logoUrl = httpsUrl(2_048);

const normalizedOrAsGiven = (pattern: string): string => {
  try {
    return normalizeDomainPattern(pattern);
  } catch {
    return pattern;
  }
};

/**
 * Normalized, deduplicated allowlist; every bad pattern is reported with its index and reason.
 * (`overwrite`, not `transform`: the same schema describes stored values in outputs and the document.)
 */
const allowedDomains = z
  .array(singleLine().max(300))
  .max(100)
  .superRefine((patterns, ctx) => {
    patterns.forEach((pattern, index) => {
      try {
        normalizeDomainPattern(pattern);
      } catch (error) {
        if (!(error instanceof DomainPatternError)) throw error;
        ctx.addIssue({ code: "custom", message: error.message, input: pattern, path: [index] });
      }
    });
  })
  .overwrite((patterns) => [...new Set(patterns.map(normalizedOrAsGiven))]);

/** The settings a bot can override. */
const botFields = {
  primaryColor: hexColor,
  backgroundColor: hexColor,
  textColor: hexColor,
  logoUrl,
  position: z.enum(["bottom-right", "bottom-left"]),
  launcherText: singleLine().trim().min(1).regex(NOT_BLANK, "Must not be blank").max(60),
  /** Whitelabel: hide the "Powered by Kyro" line. */
  hidePoweredBy: z.boolean(),
  /** Pages allowed to embed the widget: hosts, `*.example.com` wildcards, optional scheme and port. */
  allowedDomains,
};

/** Org defaults also hold the explicit opt-in to any origin (never settable per bot). */
const orgFields = {
  ...botFields,
  /** Lets any page (and requests without an Origin) open widget sessions; off unless chosen. */
  allowAnyOrigin: z.boolean(),
};

type Nullable<Shape extends Record<string, z.ZodType>> = {
  [Key in keyof Shape]: z.ZodOptional<z.ZodNullable<Shape[Key]>>;
};
const patchOf = <Shape extends Record<string, z.ZodType>>(shape: Shape) =>
  z.strictObject(
    Object.fromEntries(
      Object.entries(shape).map(([key, schema]) => [key, schema.nullable().optional()]),
    ) as Nullable<Shape>,
  );

/** A change: an absent field stays as it is, `null` clears it (back to inheriting), a value sets it. */
export const orgWidgetPatchSchema = patchOf(orgFields).meta({ id: "WidgetOrgSettingsPatch" });
export const botWidgetPatchSchema = patchOf(botFields).meta({ id: "WidgetBotSettingsPatch" });

/** What one level stores: only the fields set there. */
export const orgWidgetLevelSchema = z.object(orgFields).partial().meta({ id: "WidgetOrgSettings" });
export const botWidgetLevelSchema = z.object(botFields).partial().meta({ id: "WidgetBotSettings" });

export const effectiveWidgetSettingsSchema = z
  .object({ ...orgFields, logoUrl: logoUrl.nullable() })
  .meta({ id: "WidgetSettings" });
export type EffectiveWidgetSettings = z.output<typeof effectiveWidgetSettingsSchema>;
export type WidgetField = keyof EffectiveWidgetSettings;

/** Appearance only: what a visitor's browser receives (never the allowlist). */
export const publicWidgetSettingsSchema = effectiveWidgetSettingsSchema
  .pick({
    primaryColor: true,
    backgroundColor: true,
    textColor: true,
    logoUrl: true,
    position: true,
    launcherText: true,
    hidePoweredBy: true,
  })
  .meta({ id: "WidgetPublicSettings" });
export type PublicWidgetSettings = z.output<typeof publicWidgetSettingsSchema>;

export const WIDGET_SOURCES = ["default", "org", "bot"] as const;
const sourceSchema = z.enum(WIDGET_SOURCES);
export type WidgetSource = z.output<typeof sourceSchema>;

export const widgetSourcesSchema = z
  .object(
    Object.fromEntries(Object.keys(orgFields).map((key) => [key, sourceSchema])) as {
      [Key in WidgetField]: typeof sourceSchema;
    },
  )
  .meta({ id: "WidgetSettingSources" });

const orgInput = z.object({ orgId: z.uuid() });
const botInput = orgInput.extend({ botId: z.uuid() });

export const getOrgWidgetInput = orgInput;
export const setOrgWidgetInput = orgInput.extend({ settings: orgWidgetPatchSchema });
export const getBotWidgetInput = botInput;
export const setBotWidgetInput = botInput.extend({ settings: botWidgetPatchSchema });
export type SetOrgWidgetInput = z.output<typeof setOrgWidgetInput>;
export type SetBotWidgetInput = z.output<typeof setBotWidgetInput>;

export const orgWidgetOutput = z
  .object({
    /** The fields set at org level. */
    settings: orgWidgetLevelSchema,
    /** Org defaults merged over the built-in defaults. */
    effective: effectiveWidgetSettingsSchema,
    sources: widgetSourcesSchema,
  })
  .meta({ id: "WidgetOrgDefaults" });

export const botWidgetOutput = z
  .object({
    botId: z.uuid(),
    /** The fields this bot overrides. */
    overrides: botWidgetLevelSchema,
    effective: effectiveWidgetSettingsSchema,
    sources: widgetSourcesSchema,
  })
  .meta({ id: "WidgetBotSettingsView" });

export const widgetPreviewOutput = z
  .object({
    botId: z.uuid(),
    effective: effectiveWidgetSettingsSchema,
    sources: widgetSourcesSchema,
    /** Paste before `</body>` on an allowed page. */
    embedSnippet: z.string(),
    scriptUrl: z.string(),
  })
  .meta({ id: "WidgetPreview" });

export const createSessionInput = z
  .object({
    botId: z.uuid(),
    /** Your end user's id; send it with `userHash` to identify the visitor. */
    /** Hashed exactly as sent (no trimming), so it must match what your server signed. */
    userId: text().min(1).max(256).optional(),
    /** Hex HMAC-SHA256 of `userId`, keyed with the bot's identity secret, computed on your server. */
    userHash: singleLine().trim().max(128).optional(),
  })
  .refine((input) => (input.userId === undefined) === (input.userHash === undefined), {
    // Checked with the rest of the input, before the bot is looked up: the document's dependentRequired.
    message: "Send `userId` and `userHash` together",
    path: ["userHash"],
  });
export type CreateSessionInput = z.output<typeof createSessionInput>;

export const sessionOutput = z
  .object({
    /** Send as `Authorization: Bearer <token>` on the widget's message, feedback and lead calls. */
    token: z.string(),
    expiresAt: z.date(),
    conversationId: z.uuid(),
    botId: z.uuid(),
    endUserId: z.string().nullable(),
    welcomeMessage: z.string(),
    settings: publicWidgetSettingsSchema,
  })
  .meta({ id: "WidgetSession" });
