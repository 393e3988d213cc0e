import type { AuditScope } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import type { OrgScope } from "../../core/org-scope";

export interface IntegrationsContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
}

/** Short secrets show nothing: four characters of an eight-character password give too much away. */
export function last4(secret: string): string | null {
  return secret.length >= 12 ? secret.slice(-4) : null;
}
