import { z } from "zod";

/** Up to a billion: far above any real plan, low enough to stay an int4 and a safe integer. */
const amount = z.int().min(1).max(1_000_000_000);

export const orgLimitsSchema = z
  .object({
    keyRequestsPerMinute: amount,
    userRequestsPerMinute: amount,
    orgRequestsPerMinute: amount,
    requestsPerDay: amount,
    messagesPerDay: amount,
    botRequestsPerMinute: amount.meta({ description: "Default for the org's bots." }),
    botMessagesPerDay: amount.meta({ description: "Default for the org's bots." }),
  })
  .meta({ id: "OrgLimits", description: "An organization's effective limits." });

export const botLimitsSchema = z
  .object({ botRequestsPerMinute: amount, botMessagesPerDay: amount })
  .meta({ id: "BotLimits", description: "A bot's effective limits." });

const windowUse = z
  .object({
    used: z.int().min(0),
    limit: z.int(),
    remaining: z.int().min(0),
    resetAt: z.date(),
  })
  .meta({
    id: "LimitWindowUse",
    description: "Use of one limit in its current window (a minute or the UTC day).",
  });

export const limitsReportOutput = z
  .object({
    orgId: z.uuid(),
    /** The UTC day the daily quotas count, YYYY-MM-DD; they reset at 00:00 UTC. */
    day: z.string(),
    requestLimitsEnabled: z.boolean(),
    limits: orgLimitsSchema,
    usage: z.object({
      orgRequestsThisMinute: windowUse,
      requestsToday: windowUse,
      messagesToday: windowUse,
    }),
    /** The caller's own per-minute limit: its API key's, or the user's. */
    caller: z.object({
      scope: z.enum(["apiKey", "user"]),
      id: z.uuid(),
      requestsThisMinute: windowUse,
    }),
    bots: z.array(
      z.object({
        botId: z.uuid(),
        name: z.string(),
        limits: botLimitsSchema,
        requestsThisMinute: windowUse,
        messagesToday: windowUse,
      }),
    ),
  })
  .meta({ id: "LimitsReport" });
export type LimitsReport = z.infer<typeof limitsReportOutput>;
