/**
 * What each role may do, mirrored from the server's policy (packages/api/src/core/policy.ts) only to
 * shape the screens: a viewer sees no edit buttons. The server still decides every call.
 */
export type Role = "owner" | "admin" | "agent" | "viewer";
export type Ability =
  | "bots:write"
  | "keys:manage"
  | "members:manage"
  | "audit:read"
  | "conversations:reply"
  | "leads:export"
  | "webhooks:manage"
  | "exports:manage";

const ADMIN: readonly Ability[] = [
  "bots:write",
  "keys:manage",
  "members:manage",
  "audit:read",
  "conversations:reply",
  "leads:export",
  "webhooks:manage",
  "exports:manage",
];
const ABILITIES: Record<Role, ReadonlySet<Ability>> = {
  owner: new Set(ADMIN),
  admin: new Set(ADMIN),
  agent: new Set<Ability>(["conversations:reply"]),
  viewer: new Set<Ability>(),
};

export function can(role: Role | undefined, ability: Ability): boolean {
  return role !== undefined && ABILITIES[role].has(ability);
}
