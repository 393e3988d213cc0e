import { memberships, organizations, type Role, refreshTokenFamilies, users } from "@kyro/db";
import { initTRPC } from "@trpc/server";
import { and, eq, isNull } from "drizzle-orm";
import superjson from "superjson";
import { z } from "zod";
import type { Actor, AuditScope } from "./audit-log";
import { type Context, depsOf } from "./context";
import { AppError, describeError, forbidden, notFound, toTRPCError, unauthorized } from "./errors";
import { type Permission, type Requirement, roleHasPermission } from "./policy";
import type { RestMeta } from "./rest-meta";

export interface ProcedureMeta {
  /** Every procedure declares what it requires; a test fails on any that does not. */
  requires: Requirement;
  /** Present on procedures reachable over REST (and so in the OpenAPI document). */
  rest?: RestMeta;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error, ctx }) {
      const described = describeError(error);
      return {
        message: described.message,
        code: shape.code,
        data: {
          code: described.code,
          httpStatus: described.status,
          path: shape.data.path,
          requestId: ctx?.request.requestId ?? null,
          details: described.details ?? null,
        },
      };
    },
  });

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** Turns AppErrors thrown anywhere below into tRPC errors with the right code and HTTP status. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (
    !result.ok &&
    (result.error.cause instanceof AppError || result.error.code === "INTERNAL_SERVER_ERROR")
  ) {
    throw toTRPCError(result.error.cause ?? result.error);
  }
  return result;
});

const withDeps = t.middleware(({ ctx, next }) => next({ ctx: { deps: depsOf(ctx.runtime) } }));

/** No caller required. Declare `.meta({ requires: "public" })`. */
export const publicProcedure = t.procedure.use(mapErrors).use(withDeps);

export interface UserPrincipal {
  kind: "user";
  userId: string;
  email: string;
  sessionId: string;
  activeOrgId: string | null;
}

function bearerToken(authorization: string | null): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? null;
}

/**
 * A signed-in user. The session is checked on every request, so logout, password change and
 * reuse detection cut off access tokens at once rather than when they expire.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const token = bearerToken(ctx.authorization);
  if (!token) throw unauthorized();
  const claims = await ctx.deps.accessTokens.verify(token);
  if (!claims) throw unauthorized("Invalid or expired access token");
  const [session] = await ctx.deps.db
    .select({ email: users.email })
    .from(refreshTokenFamilies)
    .innerJoin(users, eq(users.id, refreshTokenFamilies.userId))
    .where(
      and(
        eq(refreshTokenFamilies.id, claims.sessionId),
        eq(refreshTokenFamilies.userId, claims.userId),
        isNull(refreshTokenFamilies.revokedAt),
      ),
    )
    .limit(1);
  if (!session) throw unauthorized("Session has ended");
  const principal: UserPrincipal = {
    kind: "user",
    userId: claims.userId,
    email: session.email,
    sessionId: claims.sessionId,
    activeOrgId: claims.activeOrgId,
  };
  ctx.trace.userId = principal.userId;
  const actor: Actor = { type: "user", id: principal.userId, label: principal.email };
  const audit: AuditScope = { actor, request: ctx.request };
  return next({ ctx: { principal, audit } });
});

export interface OrgScope {
  orgId: string;
  role: Role;
}

export const orgIdInput = z.object({ orgId: z.uuid() });

/**
 * Org-scoped procedure: resolves the caller's membership on every request (so removals and role
 * changes apply at once), answers NOT_FOUND to non-members — ids of other orgs cannot be probed —
 * and FORBIDDEN to members whose role lacks the permission. It runs before the rest of the input is
 * validated, so a foreign org is always a 404.
 */
export function orgProcedure(permission: Permission) {
  return authedProcedure
    .meta({ requires: permission })
    .input(orgIdInput)
    .use(async ({ ctx, input, next }) => {
      const [membership] = await ctx.deps.db
        .select({ role: memberships.role })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.orgId))
        .where(and(eq(memberships.orgId, input.orgId), eq(memberships.userId, ctx.principal.userId)))
        .limit(1);
      if (!membership) throw notFound("Organization");
      if (!roleHasPermission(membership.role, permission)) throw forbidden();
      ctx.trace.orgId = input.orgId;
      const org: OrgScope = { orgId: input.orgId, role: membership.role };
      return next({ ctx: { org } });
    });
}
