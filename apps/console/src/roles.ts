/**
 * What each role may do, mirrored from the server's policy (packages/api/src/core/policy.ts, kept equal
 * by test/roles.test.ts) only to shape the screens: a viewer sees no edit buttons and no link to a page
 * that would answer FORBIDDEN. The server still decides every call.
 */
export type Role = "owner" | "admin" | "agent" | "viewer";
/** The server's permission names (the ones the console asks about). */
export type Ability = (typeof ADMIN)[number] | "org:delete";

const VIEWER = [
  "org:read",
  "members:read",
  "limits:read",
  "bots:read",
  "conversations:read",
  "escalations:read",
  "feedback:submit",
  "ai:read",
  "analytics:read",
] as const;
// Agents work the inbox: conversations, tickets and leads.
const AGENT = [
  ...VIEWER,
  "conversations:reply",
  "escalations:write",
  "leads:read",
  "leads:write",
  "actions:read",
] as const;
const ADMIN = [
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
] as const;

const ABILITIES: Record<Role, ReadonlySet<Ability>> = {
  // Deleting the organization is the owner's alone.
  owner: new Set<Ability>([...ADMIN, "org:delete"]),
  admin: new Set<Ability>(ADMIN),
  agent: new Set<Ability>(AGENT),
  viewer: new Set<Ability>(VIEWER),
};

export function can(role: Role | undefined, ability: Ability): boolean {
  return role !== undefined && ABILITIES[role].has(ability);
}
