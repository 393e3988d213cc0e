import { auditEvents } from "@kyro/db";

/**
 * An audit event's recorded content, selected alike by the audit log's reads, its chain check and the
 * export job, so a column added to the event reaches all three.
 */
export const AUDIT_EVENT_COLUMNS = {
  id: auditEvents.id,
  actorType: auditEvents.actorType,
  actorId: auditEvents.actorId,
  actorLabel: auditEvents.actorLabel,
  action: auditEvents.action,
  resourceType: auditEvents.resourceType,
  resourceId: auditEvents.resourceId,
  requestId: auditEvents.requestId,
  ip: auditEvents.ip,
  userAgent: auditEvents.userAgent,
  diff: auditEvents.diff,
  createdAt: auditEvents.createdAt,
};

/** Where the event sits in its org's hash chain (core/audit-chain.ts). */
export const AUDIT_CHAIN_COLUMNS = {
  chainSeq: auditEvents.chainSeq,
  prevHash: auditEvents.prevHash,
  hash: auditEvents.hash,
};
