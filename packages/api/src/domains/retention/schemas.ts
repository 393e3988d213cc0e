import { z } from "zod";
import { MAX_RETENTION_DAYS, RETENTION_CATEGORIES, type RetentionCategory } from "./settings";

const days = z
  .int("A retention period is a whole number of days")
  .min(1, "A retention period is at least 1 day")
  .max(MAX_RETENTION_DAYS, `A retention period is at most ${MAX_RETENTION_DAYS} days`);

const daysShape = Object.fromEntries(RETENTION_CATEGORIES.map((category) => [category, days])) as Record<
  RetentionCategory,
  typeof days
>;
const daysObject = z.object(daysShape);

/** Each field: a number of days, null to follow the platform default again, or left out to keep it. */
export const updateRetentionInput = z.object(
  Object.fromEntries(
    RETENTION_CATEGORIES.map((category) => [category, days.nullable().optional()]),
  ) as Record<RetentionCategory, z.ZodOptional<z.ZodNullable<typeof days>>>,
);
export type UpdateRetentionInput = z.infer<typeof updateRetentionInput>;

export const retentionPolicyOutput = z.object({
  /** The periods in force: the org's choice where it made one, else the default. */
  days: daysObject,
  /** The categories following the platform default. */
  defaulted: z.array(z.enum(RETENTION_CATEGORIES)),
  defaults: daysObject,
  /** The platform's floor for `audit`. */
  auditMinimumDays: z.int(),
});
export type RetentionPolicy = z.infer<typeof retentionPolicyOutput>;

export const retentionResultOutput = z.object({ retention: retentionPolicyOutput });
