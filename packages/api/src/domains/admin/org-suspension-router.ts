import { z } from "zod";
import { singleLine } from "../../core/text-input";
import { platformAdminProcedure } from "../../core/trpc";
import { reinstateOrg, suspendOrg } from "./org-suspension";
import { adminScopeOf } from "./service";

const tags = ["admin"] as const;

const suspensionOutput = z.object({
  org: z.object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    suspendedAt: z.date().nullable(),
    suspendedReason: z.string().nullable(),
  }),
});

/** Spread into `admin.orgs` (docs/admin.md, "Org suspension"). */
export const orgsSuspensionRouter = {
  suspend: platformAdminProcedure({
    rest: {
      method: "POST",
      path: "/admin/orgs/{orgId}/suspend",
      summary: "Suspend an organization (operators)",
      description:
        "From the next request on, the org's API keys, member sessions (for its procedures) and widgets are refused with 403 `org_suspended`. Emits `org.suspended`. 409 `already_suspended`.",
      tags,
      conflicts: ["already_suspended"],
    },
  })
    .input(
      z.object({
        orgId: z.uuid(),
        /** Kept on the org and in the audit log; sent in the `org.suspended` event. */
        reason: singleLine().trim().min(1).max(500).optional(),
      }),
    )
    .output(suspensionOutput)
    .mutation(({ ctx, input }) => suspendOrg(adminScopeOf(ctx), input)),

  reinstate: platformAdminProcedure({
    rest: {
      method: "POST",
      path: "/admin/orgs/{orgId}/reinstate",
      summary: "Reinstate a suspended organization (operators)",
      description: "Lifts a suspension at once. Emits `org.reinstated`. 409 `not_suspended`.",
      tags,
      conflicts: ["not_suspended"],
    },
  })
    .input(z.object({ orgId: z.uuid() }))
    .output(suspensionOutput)
    .mutation(({ ctx, input }) => reinstateOrg(adminScopeOf(ctx), input)),
};
