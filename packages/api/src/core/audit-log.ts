import { type ActorType, auditEvents, type Executor } from "@kyro/db";
import type { RequestInfo } from "./request-info";

export interface Actor {
  type: ActorType;
  id: string | null;
  /** Email of a user or name of an API key, copied into the event so it survives deletions. */
  label: string | null;
}

/** Who did it and from where: every mutating service receives this and passes it to recordAudit. */
export interface AuditScope {
  actor: Actor;
  request: RequestInfo;
}

export interface AuditEntry {
  orgId: string | null;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

const SECRET_FIELD = /pass(word)?|secret|token|hash|^key$|apikey|authorization|cookie/i;
export const REDACTED = "[redacted]";

/** Replaces every secret-looking field, at any depth, so diffs can be stored and exported safely. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([field, inner]) => [
        field,
        SECRET_FIELD.test(field) ? REDACTED : redact(inner),
      ]),
    );
  }
  return value;
}

/**
 * Writes one audit event. Call it with the transaction that performs the mutation so the change and
 * its record commit or roll back together.
 */
export async function recordAudit(tx: Executor, scope: AuditScope, entry: AuditEntry): Promise<void> {
  const diff =
    entry.before === undefined && entry.after === undefined
      ? null
      : {
          before: entry.before ? (redact(entry.before) as Record<string, unknown>) : null,
          after: entry.after ? (redact(entry.after) as Record<string, unknown>) : null,
        };
  await tx.insert(auditEvents).values({
    orgId: entry.orgId,
    actorType: scope.actor.type,
    actorId: scope.actor.id,
    actorLabel: scope.actor.label,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    requestId: scope.request.requestId || null,
    ip: scope.request.ip || null,
    userAgent: scope.request.userAgent,
    diff,
  });
}
