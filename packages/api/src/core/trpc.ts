import { and, compileStatement, eq, memberships, organizations, type Role, sql } from "@kyro/db";
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { z } from "zod";
import type { AuditScope } from "./audit-log";
import { authenticateToken } from "./authenticate";
import { bearerOf, type Context, depsOf } from "./context";
import type { AppDeps } from "./deps";
import { AppError, describeError, forbidden, notFound, unauthorized } from "./errors";
import {
  type Permission,
  type Requirement,
  roleHasPermission,
  scopesGranting,
  scopesHavePermission,
} from "./policy";
import { type ApiKeyPrincipal, actorOf, type Principal } from "./principal";
import type { RestMeta } from "./rest-meta";

/**
 * How an org procedure treats an API key restricted to one bot (docs/authorization.md):
 * - `input`: its input names the bot (`botId`); any other bot answers NOT_FOUND.
 * - `filtered`: it answers only about the key's bot: lists leave other bots' rows out, and another
 *   bot's resource answers NOT_FOUND.
 * - `shared`: it holds no bot's data (a built-in catalogue, the org defaults every bot inherits).
 * - `org-wide`: it reaches the whole org or adds bots, so a restricted key gets FORBIDDEN.
 */
export const BOT_SCOPES = ["input", "filtered", "shared", "org-wide"] as const;
export type BotScope = (typeof BOT_SCOPES)[number];

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

export interface OrgScope {
  orgId: string;
  /** The member's role; null when the caller is an API key (its scopes decide instead). */
  role: Role | null;
}

export const orgIdInput = z.object({ orgId: z.uuid() });

/**
 * The caller's membership, read on every org-scoped user call (so removals and role changes apply at
 * once). Compiled, as Drizzle would render it anew on every call (see `compileStatement`); the primary
 * key (org, user) makes it at most one row.
 */
const membershipStatement = compileStatement(["orgId", "userId"], (db) =>
  db
    .select({ role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(
      and(eq(memberships.orgId, sql.placeholder("orgId")), eq(memberships.userId, sql.placeholder("userId"))),
    ),
);

/** What the org check looks at besides the org: the permission and how the procedure confines a key. */
interface OrgAccess {
  orgId: string;
  permission: Permission;
  botScope: BotScope;
  /** The bot the raw input names, if any (read before validation, like the org). */
  targetBotId: string | undefined;
}

async function resolveOrgScope(deps: AppDeps, principal: Principal, access: OrgAccess): Promise<OrgScope> {
  const { orgId, permission } = access;
  if (principal.kind === "apiKey") {
    if (principal.orgId !== orgId) throw notFound("Organization");
    if (principal.botId !== null) confineToBot(principal, access);
    if (!scopesHavePermission(principal.scopes, permission)) {
      throw new AppError("FORBIDDEN", "This API key's scopes do not allow this operation", {
        reason: "scope",
        requiredScopes: scopesGranting(permission),
      });
    }
    return { orgId, role: null };
  }
  const [membership] = await membershipStatement(deps.db, { orgId, userId: principal.userId });
  if (!membership) throw notFound("Organization");
  if (!roleHasPermission(membership.role, permission)) throw forbidden("role");
  return { orgId, role: membership.role };
}

/**
 * A bot-restricted key, structurally: an `org-wide` procedure is refused whatever the key's scopes, and
 * a `botId` in the input naming another bot answers NOT_FOUND before any service runs. What a
 * procedure returns without naming a bot is confined by the procedure itself (`filtered`).
 */
function confineToBot(principal: ApiKeyPrincipal, access: OrgAccess): void {
  if (access.botScope === "org-wide") {
    throw forbidden("bot_restricted", "An API key restricted to one bot cannot call this operation");
  }
  if (access.targetBotId !== undefined) assertBotAccess(principal, access.targetBotId);
}

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bot a call targets (its `botId` input), for the per-bot limit and a restricted key's confinement;
 * the procedure validates it later.
 */
function targetBotId(raw: unknown): string | undefined {
  const botId = typeof raw === "object" && raw !== null ? (raw as { botId?: unknown }).botId : undefined;
  return typeof botId === "string" && UUID.test(botId) ? botId.toLowerCase() : undefined;
}

export interface UserOrgScope extends OrgScope {
  role: Role;
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

/**
 * A bot-restricted API key may touch only its own bot. Any other bot answers NOT_FOUND, exactly as a
 * bot of another org does, so a restricted key cannot learn which bot ids exist. Users and unrestricted
 * keys pass (their org scope was already checked).
 */
export function assertBotAccess(principal: Principal, botId: string): void {
  if (principal.kind === "apiKey" && principal.botId !== null && principal.botId !== botId) {
    throw notFound("Bot");
  }
}
