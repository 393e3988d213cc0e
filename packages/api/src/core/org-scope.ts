import { and, compileStatement, eq, memberships, organizations, type Role, sql } from "@kyro/db";
import type { AppDeps } from "./deps";
import { AppError, forbidden, notFound } from "./errors";
import { type Permission, roleHasPermission, scopesGranting, scopesHavePermission } from "./policy";
import type { ApiKeyPrincipal, Principal } from "./principal";

/** Members and API keys of a suspended org get this with 403 `org_suspended`. */
export const ORG_SUSPENDED = "This organization is suspended; contact the platform operator";

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

export interface OrgScope {
  orgId: string;
  /** The member's role; null when the caller is an API key (its scopes decide instead). */
  role: Role | null;
}

export interface UserOrgScope extends OrgScope {
  role: Role;
}

/**
 * The caller's membership, read on every org-scoped user call (so removals and role changes apply at
 * once). Compiled, as Drizzle would render it anew on every call (see `compileStatement`); the primary
 * key (org, user) makes it at most one row.
 */
const membershipStatement = compileStatement(["orgId", "userId"], (db) =>
  db
    .select({ role: memberships.role, suspendedAt: organizations.suspendedAt })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(
      and(eq(memberships.orgId, sql.placeholder("orgId")), eq(memberships.userId, sql.placeholder("userId"))),
    ),
);

/** What the org check looks at besides the org: the permission and how the procedure confines a key. */
export interface OrgAccess {
  orgId: string;
  permission: Permission;
  botScope: BotScope;
  /** The bot the raw input names, if any (read before validation, like the org). */
  targetBotId: string | undefined;
}

export async function resolveOrgScope(
  deps: AppDeps,
  principal: Principal,
  access: OrgAccess,
): Promise<OrgScope> {
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
  if (membership.suspendedAt) throw forbidden("org_suspended", ORG_SUSPENDED);
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bot a call targets (its `botId` input), for the per-bot limit and a restricted key's confinement;
 * the procedure validates it later.
 */
export function targetBotId(raw: unknown): string | undefined {
  const botId = typeof raw === "object" && raw !== null ? (raw as { botId?: unknown }).botId : undefined;
  return typeof botId === "string" && UUID.test(botId) ? botId.toLowerCase() : undefined;
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
