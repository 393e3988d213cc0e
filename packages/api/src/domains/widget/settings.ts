import { and, type Executor, eq, isNull, or, widgetSettings } from "@kyro/db";
import type { z } from "zod";
import { currentDomainPatterns } from "./origins";
import {
  botWidgetLevelSchema,
  type EffectiveWidgetSettings,
  orgWidgetLevelSchema,
  type PublicWidgetSettings,
  type WidgetField,
  type WidgetSource,
} from "./schemas";

export const DEFAULT_WIDGET_SETTINGS: EffectiveWidgetSettings = {
  primaryColor: "#2563eb",
  backgroundColor: "#ffffff",
  textColor: "#111827",
  logoUrl: null,
  position: "bottom-right",
  launcherText: "Chat with us",
  hidePoweredBy: false,
  allowedDomains: [],
  allowAnyOrigin: false,
};

export type OrgLevel = z.output<typeof orgWidgetLevelSchema>;
export type BotLevel = z.output<typeof botWidgetLevelSchema>;

export interface WidgetLevels {
  org: OrgLevel;
  bot: BotLevel;
}

export interface MergedWidgetSettings {
  effective: EffectiveWidgetSettings;
  sources: Record<WidgetField, WidgetSource>;
}

const FIELDS = Object.keys(DEFAULT_WIDGET_SETTINGS) as WidgetField[];

/** Per field, the most specific level that sets it wins: bot, then org, then the built-in default. */
export function mergeWidgetSettings(levels: WidgetLevels): MergedWidgetSettings {
  const effective: Record<string, unknown> = {};
  const sources = {} as Record<WidgetField, WidgetSource>;
  for (const field of FIELDS) {
    const botValue = field === "allowAnyOrigin" ? undefined : levels.bot[field];
    const orgValue = levels.org[field];
    if (botValue !== undefined) {
      effective[field] = botValue;
      sources[field] = "bot";
    } else if (orgValue !== undefined) {
      effective[field] = orgValue;
      sources[field] = "org";
    } else {
      effective[field] = DEFAULT_WIDGET_SETTINGS[field];
      sources[field] = "default";
    }
  }
  return { effective: effective as EffectiveWidgetSettings, sources };
}

/**
 * Values were validated on write; a field that no longer validates (a tightened rule) is dropped, not
 * fatal. An allowlist loses only its refused entries (say `*.co.uk`), not the entries still valid.
 */
function readLevel<Schema extends typeof orgWidgetLevelSchema | typeof botWidgetLevelSchema>(
  schema: Schema,
  stored: Record<string, unknown> | undefined,
): z.output<Schema> {
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(stored ?? {})) {
    const fieldSchema = schema.shape[field as keyof typeof schema.shape];
    if (!fieldSchema) continue;
    const current = field === "allowedDomains" && Array.isArray(value) ? currentDomainPatterns(value) : value;
    const parsed = fieldSchema.safeParse(current);
    if (parsed.success && parsed.data !== undefined) kept[field] = parsed.data;
  }
  return kept as z.output<Schema>;
}

/** The org defaults and (with a bot) that bot's overrides, in one query. */
export async function loadWidgetLevels(
  db: Executor,
  orgId: string,
  botId: string | null,
): Promise<WidgetLevels> {
  const rows = await db
    .select({ botId: widgetSettings.botId, settings: widgetSettings.settings })
    .from(widgetSettings)
    .where(
      and(
        eq(widgetSettings.orgId, orgId),
        botId === null
          ? isNull(widgetSettings.botId)
          : or(isNull(widgetSettings.botId), eq(widgetSettings.botId, botId)),
      ),
    );
  const orgRow = rows.find((row) => row.botId === null);
  const botRow = botId === null ? undefined : rows.find((row) => row.botId === botId);
  return {
    org: readLevel(orgWidgetLevelSchema, orgRow?.settings),
    bot: readLevel(botWidgetLevelSchema, botRow?.settings),
  };
}

export async function effectiveWidgetSettings(
  db: Executor,
  orgId: string,
  botId: string | null,
): Promise<MergedWidgetSettings> {
  return mergeWidgetSettings(await loadWidgetLevels(db, orgId, botId));
}

/** Appearance only: the allowlist is never sent to visitors' browsers. */
export function publicSettings(effective: EffectiveWidgetSettings): PublicWidgetSettings {
  const { allowedDomains: _domains, allowAnyOrigin: _any, ...appearance } = effective;
  return appearance;
}
