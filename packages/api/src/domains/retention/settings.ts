declare module "../../core/deps" {
  interface Settings {
    /** Platform-wide retention rules (KYRO_AUDIT_RETENTION_MIN_DAYS). */
    retention: RetentionSettings;
  }
}

export interface RetentionSettings {
  /** No org may keep its audit log for fewer days than this; a shorter stored policy is raised to it. */
  auditMinimumDays: number;
}

export const DEFAULT_RETENTION_SETTINGS: RetentionSettings = { auditMinimumDays: 365 };

/** The kinds of data an org sets a retention period for, in days. */
export const RETENTION_CATEGORIES = [
  "messages",
  "leads",
  "feedback",
  "audit",
  "webhookDeliveries",
  "inboundEvents",
  "usageEvents",
  "exports",
] as const;
export type RetentionCategory = (typeof RETENTION_CATEGORIES)[number];
export type RetentionDays = Record<RetentionCategory, number>;

/**
 * What an org keeps unless it chooses otherwise: a year of conversations, two of leads and audit (the
 * audit log outlives what it describes), a month of webhook and inbound delivery logs (enough to debug
 * and replay), 400 days of usage (a billing year and its disputes), a week of export files.
 */
export const DEFAULT_RETENTION_DAYS: RetentionDays = {
  messages: 365,
  leads: 730,
  feedback: 365,
  audit: 730,
  webhookDeliveries: 30,
  inboundEvents: 30,
  usageEvents: 400,
  exports: 7,
};

/** Ten years: longer than any policy needs, short enough that a cutoff is always a valid date. */
export const MAX_RETENTION_DAYS = 3650;
