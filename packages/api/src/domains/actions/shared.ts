import type { AuditScope } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import type { OrgScope } from "../../core/org-scope";
import type { Principal } from "../../core/principal";

export interface ActionsContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
  principal: Principal;
}

export const RESOURCE = "action";
export const RUN_RESOURCE = "action_run";
