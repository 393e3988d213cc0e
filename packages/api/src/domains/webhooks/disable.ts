import { and, type Executor, eq, webhookEndpoints } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import { emitEvent } from "../../core/events/emit";
import { NO_REQUEST } from "../../core/request-info";

/** The worker acts on its own here, not on a request. */
const SYSTEM_AUDIT: AuditScope = {
  actor: { type: "system", id: null, label: "webhook delivery" },
  request: NO_REQUEST,
};

/**
 * Disables an endpoint on the system's initiative (410 Gone, five days of failures): audited, and
 * announced as `webhook_endpoint.disabled` to the org's other endpoints. Does nothing if already disabled.
 */
export async function disableEndpoint(
  tx: Executor,
  orgId: string,
  endpointId: string,
  reason: string,
): Promise<void> {
  const [disabled] = await tx
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason })
    .where(
      and(
        eq(webhookEndpoints.id, endpointId),
        eq(webhookEndpoints.orgId, orgId),
        eq(webhookEndpoints.enabled, true),
      ),
    )
    .returning({ url: webhookEndpoints.url });
  if (!disabled) return;
  await recordAudit(tx, SYSTEM_AUDIT, {
    orgId,
    action: "webhook_endpoint.disabled",
    resourceType: "webhook_endpoint",
    resourceId: endpointId,
    before: { enabled: true },
    after: { enabled: false, reason },
  });
  await emitEvent(tx, {
    orgId,
    type: "webhook_endpoint.disabled",
    data: { endpointId, url: disabled.url, reason },
  });
}
