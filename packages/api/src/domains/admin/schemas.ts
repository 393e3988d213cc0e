import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { NOT_BLANK, singleLine } from "../../core/text-input";
import { botLimitsSchema, limitsReportOutput, orgLimitsSchema } from "../limits/index";

const amount = z.int().min(1).max(1_000_000_000);
/** A number overrides the default; null returns to it; a field left out is unchanged. */
const override = amount.nullable().optional();

export const orgLimitOverridesInput = z
  .strictObject({
    keyRequestsPerMinute: override,
    userRequestsPerMinute: override,
    orgRequestsPerMinute: override,
    requestsPerDay: override,
    messagesPerDay: override,
    botRequestsPerMinute: override,
    botMessagesPerDay: override,
  })
  .meta({ id: "OrgLimitOverridesInput" });

export const botLimitOverridesInput = z
  .strictObject({ botRequestsPerMinute: override, botMessagesPerDay: override })
  .meta({ id: "BotLimitOverridesInput" });

const nullableOverrides = <T extends z.ZodRawShape>(shape: T) =>
  z.object(
    Object.fromEntries(Object.keys(shape).map((key) => [key, amount.nullable()])) as {
      [K in keyof T]: z.ZodNullable<typeof amount>;
    },
  );

export const orgOverridesOutput = nullableOverrides(orgLimitsSchema.shape);
export const botOverridesOutput = nullableOverrides(botLimitsSchema.shape);

export const ORG_STATUSES = ["active", "suspended"] as const;

export const listOrgsInput = z.object({
  /** Case-insensitive match on the name or slug. */
  search: singleLine().trim().min(1).regex(NOT_BLANK, "Must not be blank").max(200).optional(),
  /** `suspended`: only orgs an operator suspended; `active`: only the others. */
  status: z.enum(ORG_STATUSES).optional(),
  ...pageFields,
});
export type ListOrgsInput = z.infer<typeof listOrgsInput>;

const orgSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  createdAt: z.date(),
  /** When an operator suspended the org; null while it is active (docs/admin.md, "Org suspension"). */
  suspendedAt: z.date().nullable(),
  suspendedReason: z.string().nullable(),
  hasOverrides: z.boolean(),
});

export const listOrgsOutput = z.object({ items: z.array(orgSummary), nextCursor: z.string().nullable() });

export const getOrgInput = z.object({ orgId: z.uuid() });

export const adminOrgOutput = z.object({
  org: orgSummary.omit({ hasOverrides: true }),
  overrides: orgOverridesOutput,
  report: limitsReportOutput.omit({ caller: true }),
  botOverrides: z.array(z.object({ botId: z.uuid(), overrides: botOverridesOutput })),
});
export type AdminOrg = z.infer<typeof adminOrgOutput>;

export const setOrgLimitsInput = z.object({ orgId: z.uuid(), limits: orgLimitOverridesInput });
export const setBotLimitsInput = z.object({
  orgId: z.uuid(),
  botId: z.uuid(),
  limits: botLimitOverridesInput,
});

export const setBotLimitsOutput = z.object({
  orgId: z.uuid(),
  botId: z.uuid(),
  overrides: botOverridesOutput,
  limits: botLimitsSchema,
});
