import { createHash } from "node:crypto";

/** Version tag, first element of every canonical form; a new form would take a new tag. */
export const AUDIT_CHAIN_VERSION = "kyro-audit-v1";
/** The previous hash of an org's first event. */
export const GENESIS_HASH = "0".repeat(64);

/** The hashed fields of one event, as stored and exported. */
export interface ChainedContent {
  orgId: string;
  chainSeq: number;
  prevHash: string;
  id: string;
  createdAt: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  diff: unknown;
}

/**
 * JSON without whitespace, object keys sorted by Unicode code point (UTF-8 byte order, as Postgres
 * sorts with COLLATE "C" in the backfill), undefined members left out as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The canonical form of an event (docs/audit.md): one JSON array, fields in this fixed order. */
export function canonicalEvent(event: ChainedContent): string {
  return canonicalJson([
    AUDIT_CHAIN_VERSION,
    event.orgId,
    event.chainSeq,
    event.prevHash,
    event.id,
    event.createdAt.toISOString(),
    event.actorType,
    event.actorId,
    event.actorLabel,
    event.action,
    event.resourceType,
    event.resourceId,
    event.requestId,
    event.ip,
    event.userAgent,
    event.diff ?? null,
  ]);
}

/** Lowercase hex SHA-256 of the canonical form's UTF-8 bytes. */
export function eventHash(event: ChainedContent): string {
  return createHash("sha256").update(canonicalEvent(event)).digest("hex");
}
