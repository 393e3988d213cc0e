import { BOT_STATUSES } from "@kyro/db";
import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { NOT_BLANK, singleLine, token } from "../../core/text-input";
import { botConfigPatchSchema, botConfigSchema } from "../shared/bot-config";
import { BOT_TEMPLATES } from "./templates";

/** Soft-deleted bots can be restored for this long; the purge job deletes them afterwards. */
export const BOT_RETENTION_DAYS = 30;

const botStatusSchema = z.enum(BOT_STATUSES).meta({ id: "BotStatus" });

const botName = singleLine().trim().min(1, "Name is required").regex(NOT_BLANK, "Must not be blank").max(100);
const botDescription = singleLine().trim().max(1_000);

const orgInput = z.object({ orgId: z.uuid() });
export const botTargetInput = orgInput.extend({ botId: z.uuid() });
export type BotTargetInput = z.output<typeof botTargetInput>;

export const createBotInput = orgInput.extend({
  /** Required unless a template gives one. */
  name: botName.optional(),
  description: botDescription.optional(),
  /** A built-in template (`bots.templates`) to start from; `config` fields given here override it. */
  templateId: token()
    .max(64)
    .meta({ enum: BOT_TEMPLATES.map((template) => template.id) })
    .optional(),
  config: botConfigPatchSchema.optional(),
  status: botStatusSchema.optional(),
});
export type CreateBotInput = z.output<typeof createBotInput>;

export const listBotsInput = orgInput.extend({
  status: botStatusSchema.optional(),
  /** Also list soft-deleted bots still within their restore window (needs bots:write). */
  includeDeleted: z.boolean().default(false),
  /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
  ...pageFields,
});
export type ListBotsInput = z.output<typeof listBotsInput>;

export const updateBotInput = botTargetInput.extend({
  name: botName.optional(),
  description: botDescription.optional(),
  status: botStatusSchema.optional(),
  /** Fields to change; the rest keep their value. */
  config: botConfigPatchSchema.optional(),
});
export type UpdateBotInput = z.output<typeof updateBotInput>;

export const cloneBotInput = botTargetInput.extend({
  /** Defaults to "<name> (copy)". */
  name: botName.optional(),
});
export type CloneBotInput = z.output<typeof cloneBotInput>;

export const listVersionsInput = botTargetInput.extend({
  /** `cursor` is the previous page's `nextCursor`; `limit` is at most 100 (default 20). */
  ...pageFields,
});
export type ListVersionsInput = z.output<typeof listVersionsInput>;

export const restoreVersionInput = botTargetInput.extend({ versionId: z.uuid() });
export type RestoreVersionInput = z.output<typeof restoreVersionInput>;

const memberRef = z.object({ id: z.uuid(), email: z.string() }).nullable();

export const botSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    status: botStatusSchema,
    config: botConfigSchema,
    templateId: z.string().nullable(),
    currentVersionId: z.uuid().nullable(),
    /** The number of the current version, null before the first publish. */
    currentVersion: z.int().nullable(),
    createdBy: memberRef,
    createdAt: z.date(),
    updatedAt: z.date(),
    deletedAt: z.date().nullable(),
    /** When a deleted bot is purged for good. */
    purgeAt: z.date().nullable(),
  })
  .meta({ id: "Bot" });
export type BotView = z.output<typeof botSchema>;

export const botOutput = z.object({ bot: botSchema }).meta({ id: "BotResult" });
export const botListOutput = z
  .object({ items: z.array(botSchema), nextCursor: z.string().nullable() })
  .meta({ id: "BotList" });

export const botVersionSchema = z
  .object({
    id: z.uuid(),
    botId: z.uuid(),
    version: z.int(),
    name: z.string(),
    config: botConfigSchema,
    /** The member who published it (null for an API key or a removed user). */
    createdBy: memberRef,
    createdAt: z.date(),
    current: z.boolean(),
  })
  .meta({ id: "BotVersion" });
export type BotVersionView = z.output<typeof botVersionSchema>;

export const publishOutput = z
  .object({ bot: botSchema, version: botVersionSchema })
  .meta({ id: "BotPublished" });
export const versionListOutput = z
  .object({ items: z.array(botVersionSchema), nextCursor: z.string().nullable() })
  .meta({ id: "BotVersionList" });

export const identitySecretOutput = z
  .object({
    botId: z.uuid(),
    /** Key of userHash = hex HMAC-SHA256(userId, secret); keep it on your server. */
    secret: z.string(),
  })
  .meta({ id: "BotIdentitySecret" });

export const botTemplateSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string(), config: botConfigSchema })
  .meta({ id: "BotTemplate" });
export const templateListOutput = z
  .object({ items: z.array(botTemplateSchema), nextCursor: z.string().nullable() })
  .meta({ id: "BotTemplateList" });
