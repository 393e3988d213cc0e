import { ROLES } from "@kyro/db";
import { z } from "zod";
import { NOT_BLANK, singleLine } from "../../core/text-input";
import { isTimeZone } from "../analytics/index";
import { emailSchema } from "../shared/schemas";

export const roleSchema = z.enum(ROLES).meta({ id: "Role" });

// Names go into mail subjects and headers: one line, no control characters.
export const orgNameSchema = singleLine()
  .trim()
  .min(1, "Name is required")
  .regex(NOT_BLANK, "Must not be blank")
  .max(100);

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const slugSchema = singleLine()
  .trim()
  .toLowerCase()
  .min(2)
  .max(63)
  .regex(SLUG_PATTERN, "Slug must be lowercase letters and digits separated by single hyphens");

export const createOrgInput = z.object({
  name: orgNameSchema,
  slug: slugSchema.optional(),
});
export type CreateOrgInput = z.infer<typeof createOrgInput>;

const timeZoneSchema = singleLine()
  .trim()
  .min(1)
  .max(64)
  .refine(isTimeZone, "Not an IANA time zone (e.g. Europe/Paris)");

/** The organization's name, typed again, confirms its deletion. */
export const deleteOrgInput = z.object({ confirmName: singleLine().min(1).max(200) });
export const deleteOrgOutput = z.object({ ok: z.literal(true) });

export const updateOrgInput = z.object({
  name: orgNameSchema.optional(),
  slug: slugSchema.optional(),
  /** Where escalation tickets are mailed while nobody holds them; null stops those mails. */
  escalationEmail: emailSchema.nullable().optional(),
  /** The IANA time zone analytics count days in (e.g. `Europe/Paris`). */
  timeZone: timeZoneSchema.optional(),
});
export type UpdateOrgInput = z.infer<typeof updateOrgInput>;

export const orgSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    /** Where escalation tickets are mailed while nobody holds them. */
    escalationEmail: z.string().nullable(),
    /** The IANA time zone analytics count days in; `UTC` until set. */
    timeZone: z.string(),
    createdAt: z.date(),
    /** The caller's role in this organization; null when the caller is an API key. */
    role: roleSchema.nullable(),
  })
  .meta({ id: "Organization" });
export type Org = z.infer<typeof orgSchema>;

export const orgListOutput = z
  .object({ items: z.array(orgSchema), nextCursor: z.string().nullable() })
  .meta({ id: "OrganizationList" });
export const orgResultOutput = z.object({ org: orgSchema }).meta({ id: "OrgResult" });
