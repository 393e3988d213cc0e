import type { Actor } from "./audit-log";
import type { ApiKeyScope } from "./policy";

export interface UserPrincipal {
  kind: "user";
  userId: string;
  email: string;
  /** Whether the owner has proved control of `email`; read with the session on every request. */
  emailVerified: boolean;
  sessionId: string;
  activeOrgId: string | null;
}

/** A caller holding an API key: it acts only inside `orgId`, with only its scopes. */
export interface ApiKeyPrincipal {
  kind: "apiKey";
  keyId: string;
  name: string;
  orgId: string;
  scopes: readonly ApiKeyScope[];
  /** When set, the key may only touch this bot. */
  botId: string | null;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

export const API_KEY_PREFIX = "kyro_sk_";

export function actorOf(principal: Principal): Actor {
  return principal.kind === "user"
    ? { type: "user", id: principal.userId, label: principal.email }
    : { type: "api_key", id: principal.keyId, label: principal.name };
}
