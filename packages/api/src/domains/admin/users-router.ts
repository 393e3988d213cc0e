import { platformAdminProcedure, router } from "../../core/trpc";
import { adminScopeOf } from "./service";
import {
  adminUserDetailOutput,
  disableUserInput,
  listUsersInput,
  listUsersOutput,
  revokeSessionsOutput,
  userActionOutput,
  userIdInput,
} from "./users-schemas";
import {
  disableUser,
  enableUser,
  forcePasswordReset,
  getUser,
  listUsers,
  revokeSessions,
} from "./users-service";

const tags = ["admin"] as const;

/** Operator governance of user accounts (docs/admin.md). */
export const adminUsersRouter = router({
  list: platformAdminProcedure({
    rest: {
      method: "GET",
      path: "/admin/users",
      summary: "List users (operators)",
      description: "Newest accounts first; filter by email substring, status and last sign-in.",
      tags,
    },
  })
    .input(listUsersInput)
    .output(listUsersOutput)
    .query(({ ctx, input }) => listUsers(ctx.deps, input)),

  get: platformAdminProcedure({
    rest: { method: "GET", path: "/admin/users/{userId}", summary: "Get a user (operators)", tags },
  })
    .input(userIdInput)
    .output(adminUserDetailOutput)
    .query(({ ctx, input }) => getUser(ctx.deps, input.userId)),

  disable: platformAdminProcedure({
    rest: {
      method: "POST",
      path: "/admin/users/{userId}/disable",
      summary: "Disable a user (operators)",
      description:
        "Ends every session at once and refuses sign-in (403 `account_disabled`) until the user is enabled. 409 `already_disabled`, or `self` for the operator's own account.",
      tags,
      conflicts: ["already_disabled", "self"],
    },
  })
    .input(disableUserInput)
    .output(userActionOutput)
    .mutation(({ ctx, input }) => disableUser(adminScopeOf(ctx), input)),

  enable: platformAdminProcedure({
    rest: {
      method: "POST",
      path: "/admin/users/{userId}/enable",
      summary: "Enable a disabled user (operators)",
      description: "The user signs in again; ended sessions stay ended. 409 `not_disabled`.",
      tags,
      conflicts: ["not_disabled"],
    },
  })
    .input(userIdInput)
    .output(userActionOutput)
    .mutation(({ ctx, input }) => enableUser(adminScopeOf(ctx), input)),

  revokeSessions: platformAdminProcedure({
    rest: {
      method: "POST",
      path: "/admin/users/{userId}/revoke-sessions",
      summary: "End a user's sessions (operators)",
      description: "Access tokens are refused on their next request and refresh tokens stop working.",
      tags,
    },
  })
    .input(userIdInput)
    .output(revokeSessionsOutput)
    .mutation(({ ctx, input }) => revokeSessions(adminScopeOf(ctx), input)),

  forcePasswordReset: platformAdminProcedure({
    rest: {
      method: "POST",
      path: "/admin/users/{userId}/force-password-reset",
      summary: "Force a password reset (operators)",
      description: "Ends the user's sessions and mails the password-reset link.",
      tags,
    },
  })
    .input(userIdInput)
    .output(userActionOutput)
    .mutation(({ ctx, input }) => forcePasswordReset(adminScopeOf(ctx), input)),
});
