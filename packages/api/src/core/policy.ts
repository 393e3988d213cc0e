import type { Role } from "@kyro/db";

/** Named permissions; procedures declare one, roles and API-key scopes map to them. Default deny. */
export const PERMISSIONS = [
  "org:read",
  "org:update",
  "members:read",
  "members:manage",
  "audit:read",
  "audit:export",
  "keys:manage",
  "limits:read",
  "bots:read",
  "bots:write",
  "conversations:read",
  "conversations:reply",
  "escalations:read",
  "escalations:write",
  "feedback:submit",
  "leads:read",
  "leads:write",
  "leads:export",
  "webhooks:manage",
  "integrations:manage",
  "ai:read",
  "ai:manage",
  "actions:read",
  "actions:manage",
  "actions:run",
  "analytics:read",
  "exports:manage",
  "retention:manage",
  "compliance:manage",
  "org:delete",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * What a procedure requires: a permission inside an org, or one of the non-org levels.
 * `public` needs no caller, `authenticated` any signed-in user, `platform:admin` a platform operator.
 */
export type Requirement = Permission | "public" | "authenticated" | "platform:admin";

export const ROLE_RANK: Record<Role, number> = { owner: 4, admin: 3, agent: 2, viewer: 1 };

const VIEWER: readonly Permission[] = [
  "org:read",
  "members:read",
  "limits:read",
  "bots:read",
  "conversations:read",
  "escalations:read",
  "feedback:submit",
  "ai:read",
  "analytics:read",
];
/**
 * Agents work the inbox: they answer, resolve, take and escalate conversations, work tickets and leads,
 * and see the actions a bot may run.
 */
const AGENT: readonly Permission[] = [
  ...VIEWER,
  "conversations:reply",
  "escalations:write",
  "leads:read",
  "leads:write",
  "actions:read",
];
const ADMIN: readonly Permission[] = [
  ...AGENT,
  "org:update",
  "members:manage",
  "audit:read",
  "audit:export",
  "keys:manage",
  "bots:write",
  "leads:export",
  "webhooks:manage",
  "integrations:manage",
  "ai:manage",
  "actions:manage",
  "actions:run",
  "exports:manage",
  "retention:manage",
  "compliance:manage",
];
// Deleting the organization is the owner's alone, and no API-key scope grants it.
const OWNER: readonly Permission[] = [...ADMIN, "org:delete"];

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(OWNER),
  admin: new Set(ADMIN),
  agent: new Set(AGENT),
  viewer: new Set(VIEWER),
};

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/**
 * API-key scopes (one table; add scopes as domains arrive). A key acts only within its own org and
 * only with the permissions its scopes map to — never more than the scopes, whatever its creator's role.
 * No scope grants `keys:manage` or `members:manage`: a leaked key must not mint keys or change people.
 */
export const API_KEY_SCOPES = [
  "read:bots",
  "write:bots",
  "run:actions",
  "read:analytics",
  "admin:org",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const READ_BOTS: readonly Permission[] = [
  "limits:read",
  "bots:read",
  "conversations:read",
  "escalations:read",
  "leads:read",
];
const SCOPE_PERMISSIONS: Record<ApiKeyScope, ReadonlySet<Permission>> = {
  "read:bots": new Set<Permission>(READ_BOTS),
  "write:bots": new Set<Permission>([
    ...READ_BOTS,
    "bots:write",
    "conversations:reply",
    "escalations:write",
    "leads:write",
  ]),
  "run:actions": new Set<Permission>(["limits:read", "actions:read", "actions:run"]),
  "read:analytics": new Set<Permission>(["limits:read", "analytics:read"]),
  "admin:org": new Set<Permission>([
    "org:read",
    "org:update",
    "members:read",
    "audit:read",
    "audit:export",
    "limits:read",
    "leads:export",
    "webhooks:manage",
    "integrations:manage",
    "ai:read",
    "ai:manage",
    "actions:read",
    "actions:manage",
    "exports:manage",
    "retention:manage",
    "compliance:manage",
  ]),
};

/**
 * How far each scope reaches. A `bot` scope's permissions can be confined to one bot, so a key
 * restricted to a bot may hold it; an `org` scope concerns the whole organization (its members, audit
 * trail, webhooks, integrations), which no single-bot confinement can filter, so a restricted key may not.
 */
export const SCOPE_REACH: Record<ApiKeyScope, "bot" | "org"> = {
  "read:bots": "bot",
  "write:bots": "bot",
  "run:actions": "bot",
  "read:analytics": "bot",
  "admin:org": "org",
};

/** The scopes a key restricted to one bot may not hold (refused at creation, ignored if stored). */
export const orgWideScopesIn = (scopes: readonly ApiKeyScope[]): ApiKeyScope[] =>
  scopes.filter((scope) => SCOPE_REACH[scope] === "org");

/**
 * The scopes a key acts with. A bot-restricted key loses its org-wide scopes: keys stored before
 * creation refused them must not keep reaching the whole organization.
 */
export function effectiveScopes(scopes: readonly ApiKeyScope[], botId: string | null): ApiKeyScope[] {
  return botId === null ? [...scopes] : scopes.filter((scope) => SCOPE_REACH[scope] === "bot");
}

export function scopesHavePermission(scopes: readonly ApiKeyScope[], permission: Permission): boolean {
  return scopes.some((scope) => SCOPE_PERMISSIONS[scope].has(permission));
}

/** The scopes that would let a key call a procedure requiring `permission` (for docs and errors). */
export function scopesGranting(permission: Permission): ApiKeyScope[] {
  return API_KEY_SCOPES.filter((scope) => SCOPE_PERMISSIONS[scope].has(permission));
}

/** Only an owner may grant the owner role or change (demote, remove) an owner. */
export function canAssignRole(
  actorRole: Role,
  targetCurrentRole: Role | null,
  newRole: Role | null,
): boolean {
  if (actorRole === "owner") return true;
  if (targetCurrentRole === "owner" || newRole === "owner") return false;
  return ROLE_RANK[actorRole] >= ROLE_RANK.admin;
}
