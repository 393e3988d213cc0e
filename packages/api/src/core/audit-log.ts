import {
  type ActorType,
  type AuditDiff,
  auditChainHeads,
  auditEvents,
  type Executor,
  eq,
  newId,
  sql,
} from "@kyro/db";
import { eventHash, GENESIS_HASH } from "./audit-chain";
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

/** One event as stored, before the chain fields are filled in. */
export interface AuditRow {
  orgId: string | null;
  actorType: ActorType;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  diff: AuditDiff | null;
}

/**
 * Appends the events of one org to its hash chain: the upsert locks the org's head row until the
 * transaction ends, so appends to one org queue while other orgs never wait, and reserves the
 * sequence numbers in the same round trip.
 */
async function appendChained(tx: Executor, orgId: string, rows: AuditRow[]): Promise<void> {
  const [head] = await tx
    .insert(auditChainHeads)
    .values({ orgId, seq: rows.length, hash: GENESIS_HASH })
    .onConflictDoUpdate({
      target: auditChainHeads.orgId,
      set: { seq: sql`${auditChainHeads.seq} + ${rows.length}` },
    })
    .returning({ seq: auditChainHeads.seq, hash: auditChainHeads.hash });
  if (!head) throw new Error("audit chain head upsert returned nothing");
  // Taken after the lock so that, within an org, time follows the chain order.
  const createdAt = new Date();
  let prevHash = head.hash;
  let chainSeq = head.seq - rows.length;
  const chained = rows.map((row) => {
    chainSeq += 1;
    const event = { ...row, orgId, id: newId(), createdAt, chainSeq, prevHash };
    const hash = eventHash(event);
    prevHash = hash;
    return { ...event, hash };
  });
  // One round trip for both writes: Postgres runs a data-modifying CTE to completion even though the
  // update never reads it, within the same statement and so the same transaction.
  const inserted = tx
    .$with("inserted")
    .as(tx.insert(auditEvents).values(chained).returning({ id: auditEvents.id }));
  await tx
    .with(inserted)
    .update(auditChainHeads)
    .set({ hash: prevHash, updatedAt: createdAt })
    .where(eq(auditChainHeads.orgId, orgId));
}

/**
 * The only way events enter the audit log. Org-less events (user-level security events) are stored
 * unchained; the others join their org's chain, orgs taken in id order so that two transactions
 * appending to the same orgs cannot deadlock.
 */
export async function appendAuditEvents(tx: Executor, rows: AuditRow[]): Promise<void> {
  const unchained = rows.filter((row) => row.orgId === null);
  if (unchained.length > 0) await tx.insert(auditEvents).values(unchained);
  const byOrg = new Map<string, AuditRow[]>();
  for (const row of rows) {
    if (row.orgId === null) continue;
    const group = byOrg.get(row.orgId);
    if (group) group.push(row);
    else byOrg.set(row.orgId, [row]);
  }
  for (const orgId of [...byOrg.keys()].sort()) await appendChained(tx, orgId, byOrg.get(orgId) ?? []);
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
  await appendAuditEvents(tx, [
    {
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
    },
  ]);
}
