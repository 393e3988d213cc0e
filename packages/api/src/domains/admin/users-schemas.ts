import { z } from "zod";
import { pageFields } from "../../core/pagination";
import { singleLine } from "../../core/text-input";
import { instant } from "../shared/schemas";

export const USER_STATUSES = ["active", "unverified", "disabled"] as const;

export const listUsersInput = z.object({
  /** Case-insensitive substring of the email address. */
  search: singleLine().trim().min(1).max(200).optional(),
  status: z.enum(USER_STATUSES).optional(),
  /** Users whose last sign-in is at or after this instant (never signed in: left out). */
  lastLoginAfter: instant.optional(),
  /** Users whose last sign-in is before this instant, or who never signed in. */
  lastLoginBefore: instant.optional(),
  ...pageFields,
});
export type ListUsersInput = z.infer<typeof listUsersInput>;

export const adminUserOutput = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    status: z.enum(USER_STATUSES),
    emailVerifiedAt: z.date().nullable(),
    disabledAt: z.date().nullable(),
    disabledReason: z.string().nullable(),
    lastLoginAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "AdminUser" });
export type AdminUser = z.infer<typeof adminUserOutput>;

export const listUsersOutput = z.object({
  items: z.array(adminUserOutput),
  nextCursor: z.string().nullable(),
});

export const userIdInput = z.object({ userId: z.uuid() });

export const adminUserDetailOutput = z.object({
  user: adminUserOutput.extend({
    memberships: z.array(z.object({ orgId: z.uuid(), orgName: z.string(), role: z.string() })),
    activeSessions: z.int(),
  }),
});

export const disableUserInput = z.object({
  userId: z.uuid(),
  /** Shown to operators and kept in the audit log; never to the user. */
  reason: singleLine().trim().min(1).max(500).optional(),
});

export const userActionOutput = z.object({ user: adminUserOutput });

export const revokeSessionsOutput = z.object({ user: adminUserOutput, revokedSessions: z.int() });
