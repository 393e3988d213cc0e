import type { Role } from "@kyro/db";
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { z } from "zod";
import type { AuditScope } from "./audit-log";
import { authenticateToken } from "./authenticate";
import { bearerOf, type Context, depsOf } from "./context";
import type { AppDeps } from "./deps";
import { describeError, forbidden, notFound, unauthorized } from "./errors";
import { type BotScope, type OrgScope, resolveOrgScope, targetBotId, type UserOrgScope } from "./org-scope";
import type { Permission, Requirement } from "./policy";
import { actorOf } from "./principal";
import type { RestMeta } from "./rest-meta";

export interface ProcedureMeta {
  /** Every procedure declares what it requires; a test fails on any that does not. */
  requires: Requirement;
  /**
   * For org procedures: how a bot-restricted key is confined. Unset means `org-wide` (refused), so a
   * procedure nobody classified fails closed; a test requires it wherever a bot-scopable scope reaches.
   */
  botScope?: BotScope;
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
          details: described.details,
        },
      };
    },
  });

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

// The async middlewares `return await next(…)`: returning the promise itself would cost two more
// microtask turns per call, as an async function adopts a returned promise through a then-job.

/** Anonymous calls are limited per client IP. */
const withDeps = t.middleware(async ({ ctx, next }) => {
  const deps = depsOf(ctx.runtime);
  await deps.requestLimits.checkRequest(ctx.trace, ctx.request, {});
  return await next({ ctx: { deps } });
});

/**
 * What a procedure declares besides its requirement; the builder sets `requires` from its kind (or the
 * permission it is given), so it is never written twice.
 */
export type ProcedureOptions = Omit<ProcedureMeta, "requires">;

const publicBase = t.procedure.use(withDeps);

/** No caller required. */
export function publicProcedure(options: ProcedureOptions = {}) {
  return publicBase.meta({ ...options, requires: "public" });
}

async function authenticate(ctx: Context) {
  const deps = depsOf(ctx.runtime);
  const principal = await authenticateToken(deps, bearerOf(ctx));
  if (!principal) throw unauthorized();
  if (principal.kind === "user") ctx.trace.userId = principal.userId;
  else ctx.trace.keyId = principal.keyId;
  const audit: AuditScope = { actor: actorOf(principal), request: ctx.request };
  return { deps, principal, audit };
}

/** Deps and the caller are resolved in one middleware: each tRPC middleware level copies the context. */
const principalBase = t.procedure.use(async ({ ctx, next }) => {
  const caller = await authenticate(ctx);
  await caller.deps.requestLimits.checkRequest(ctx.trace, ctx.request, { principal: caller.principal });
  return await next({ ctx: caller });
});

/** Any verified caller: a user or an API key. */
export function principalProcedure(options: ProcedureOptions = {}) {
  return principalBase.meta({ ...options, requires: "authenticated" });
}

const authedBase = t.procedure.use(async ({ ctx, next }) => {
  const caller = await authenticate(ctx);
  const { principal } = caller;
  await caller.deps.requestLimits.checkRequest(ctx.trace, ctx.request, { principal });
  if (principal.kind !== "user")
    throw forbidden("user_only", "This operation requires a user session, not an API key");
  return await next({ ctx: { deps: caller.deps, audit: caller.audit, principal } });
});

/** A signed-in user; API keys are refused — these operations act on a person's account or session. */
export function authedProcedure(options: ProcedureOptions = {}) {
  return authedBase.meta({ ...options, requires: "authenticated" });
}

/**
 * A platform operator: a signed-in user whose email is in KYRO_PLATFORM_ADMINS (compared normalized) and
 * whose address is verified — an address string alone proves nothing, since anyone can sign up with it.
 * Everyone else, API keys included, gets NOT_FOUND: the operator surface is not advertised.
 */
const platformAdminBase = t.procedure.use(async ({ ctx, next }) => {
  const caller = await authenticate(ctx);
  const { principal, deps } = caller;
  await deps.requestLimits.checkRequest(ctx.trace, ctx.request, { principal });
  if (principal.kind !== "user" || !isPlatformOperator(deps, principal)) throw notFound("Procedure");
  return await next({ ctx: { deps: caller.deps, audit: caller.audit, principal } });
});

export function platformAdminProcedure(options: ProcedureOptions = {}) {
  return platformAdminBase.meta({ ...options, requires: "platform:admin" });
}

/** Both sides normalized as the auth domain stores emails (trimmed, lower-cased). */
function isPlatformOperator(deps: AppDeps, principal: { email: string; emailVerified: boolean }): boolean {
  if (!principal.emailVerified) return false;
  const email = principal.email.trim().toLowerCase();
  return deps.settings.platformAdmins.some((admin) => admin.trim().toLowerCase() === email);
}

/**
 * Authenticated but not yet counted: the org procedures count the request once they know the org. An
 * API key acts in its own org, so when the input leaves `orgId` out it is filled in from the key here,
 * before any input is validated (on tRPC as on REST); with a user token it stays missing and the input
 * validation answers 400.
 */
const verifiedProcedure = t.procedure.use(async ({ ctx, next, getRawInput }) => {
  const caller = await authenticate(ctx);
  if (caller.principal.kind !== "apiKey") return await next({ ctx: caller });
  const raw = await getRawInput();
  const orgLeftOut = raw === undefined || (isPlainObject(raw) && raw.orgId === undefined);
  if (!orgLeftOut) return await next({ ctx: caller });
  const withOrg = { ...raw, orgId: caller.principal.orgId };
  // tRPC's `next` takes `ctx` and `getRawInput` together at run time; its overloads type them apart.
  const options = { ctx: caller, getRawInput: resolvesTo(withOrg) };
  return await next(options);
});

/** Built here rather than inline so no per-request closure gets a run-time name (tsx keeps names). */
function resolvesTo(value: unknown): () => Promise<unknown> {
  return () => Promise.resolve(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const orgIdInput = z.object({ orgId: z.uuid() });

/**
 * Org-scoped procedure. For a user it resolves the membership on every request (so removals and role
 * changes apply at once); for an API key the org is the key's own and its scopes must grant the
 * permission, and a bot-restricted key is confined by the procedure's `botScope`. Non-members and other
 * orgs' ids answer NOT_FOUND — ids cannot be probed — and a missing permission FORBIDDEN. It runs before
 * the rest of the input is validated, so a foreign org is always a 404. An API key may leave `orgId`
 * out: its own org is taken (`verifiedProcedure`).
 */
export function orgProcedure(permission: Permission, options: ProcedureOptions = {}) {
  return verifiedProcedure
    .meta({ ...options, requires: permission })
    .input(orgIdInput)
    .use(async ({ ctx, input, meta, next, getRawInput }) => {
      const { deps, principal } = ctx;
      const botId = targetBotId(await getRawInput());
      let org: OrgScope;
      try {
        org = await resolveOrgScope(deps, principal, {
          orgId: input.orgId,
          permission,
          botScope: meta?.botScope ?? "org-wide",
          targetBotId: botId,
        });
      } catch (error) {
        // Refused calls still count against the caller (never against an org it cannot act in).
        await deps.requestLimits.checkRequest(ctx.trace, ctx.request, { principal });
        throw error;
      }
      ctx.trace.orgId = org.orgId;
      await deps.requestLimits.checkRequest(ctx.trace, ctx.request, { principal, orgId: org.orgId, botId });
      return await next({ ctx: { org } });
    });
}

/** Org-scoped and user-only: for operations on people and sessions that no API key may perform. */
export function orgUserProcedure(permission: Permission, options: ProcedureOptions = {}) {
  return orgProcedure(permission, options).use(({ ctx, next }) => {
    const { principal } = ctx;
    if (principal.kind !== "user")
      throw forbidden("user_only", "This operation requires a user session, not an API key");
    // A user principal always resolves to a membership role.
    const org: UserOrgScope = { orgId: ctx.org.orgId, role: ctx.org.role as Role };
    return next({ ctx: { principal, org } });
  });
}
