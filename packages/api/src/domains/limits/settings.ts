declare module "../../core/deps" {
  interface Settings {
    /** Rate limits, quotas and their defaults (KYRO_LIMIT_*). */
    limits: LimitSettings;
  }
}

/** An org's limits: per-minute request rates, daily quotas, and the defaults for its bots. */
export interface OrgLimitValues {
  keyRequestsPerMinute: number;
  userRequestsPerMinute: number;
  orgRequestsPerMinute: number;
  requestsPerDay: number;
  messagesPerDay: number;
  botRequestsPerMinute: number;
  botMessagesPerDay: number;
}

export type BotLimitValues = Pick<OrgLimitValues, "botRequestsPerMinute" | "botMessagesPerDay">;

export const ORG_LIMIT_FIELDS = [
  "keyRequestsPerMinute",
  "userRequestsPerMinute",
  "orgRequestsPerMinute",
  "requestsPerDay",
  "messagesPerDay",
  "botRequestsPerMinute",
  "botMessagesPerDay",
] as const satisfies readonly (keyof OrgLimitValues)[];

export const BOT_LIMIT_FIELDS = [
  "botRequestsPerMinute",
  "botMessagesPerDay",
] as const satisfies readonly (keyof BotLimitValues)[];

export interface LimitSettings {
  /**
   * Per-request limits (key, user, org, bot, IP, and the daily request quota). Off for operators who
   * limit at their own gateway; widget message limits and quotas apply either way.
   */
  requestLimitsEnabled: boolean;
  /** Every org's limits unless a platform operator overrides them. */
  defaults: OrgLimitValues;
  /** Anonymous calls (signup, login, the widget runtime) per client IP. */
  ipRequestsPerMinute: number;
  /** Widget messages per conversation. */
  conversationMessagesPerMinute: number;
}

/** Generous: a busy console or integration never meets them; operators tighten them per org. */
export const DEFAULT_LIMIT_SETTINGS: LimitSettings = {
  requestLimitsEnabled: true,
  defaults: {
    keyRequestsPerMinute: 600,
    userRequestsPerMinute: 600,
    orgRequestsPerMinute: 3_000,
    requestsPerDay: 1_000_000,
    messagesPerDay: 10_000,
    botRequestsPerMinute: 1_200,
    botMessagesPerDay: 5_000,
  },
  ipRequestsPerMinute: 600,
  conversationMessagesPerMinute: 20,
};
