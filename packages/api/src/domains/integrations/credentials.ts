import { and, type Executor, eq, integrations } from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import { authHeaders, selectStoredAuth } from "./health";

export interface IntegrationCredentials {
  /** The headers that authenticate to the integration, credential decrypted. */
  headers: Record<string, string>;
  /** The decrypted credential, so callers can mask it wherever an answer might echo it. */
  secret: string | null;
}

/** Whether the org has this integration (an action naming it is checked when saved). */
export async function integrationExists(
  db: Executor,
  orgId: string,
  integrationId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: integrations.id })
    .from(integrations)
    .where(and(eq(integrations.orgId, orgId), eq(integrations.id, integrationId)))
    .limit(1);
  return row !== undefined;
}

/**
 * The integration's auth for another domain's outbound request (actions), decrypted only here and
 * only at send time; null when the integration is gone.
 */
export async function integrationCredentials(
  deps: AppDeps,
  orgId: string,
  integrationId: string,
): Promise<IntegrationCredentials | null> {
  const stored = await selectStoredAuth(deps.db, orgId, integrationId);
  if (!stored) return null;
  const headers = authHeaders(deps, stored);
  const secret = Object.values(headers)[0] ?? null;
  return { headers, secret };
}
