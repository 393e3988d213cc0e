import { hash } from "node:crypto";

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

const SURROGATE = /[\ud800-\udfff]/;

/**
 * Unicode code point order. UTF-16 code unit order (`<`) agrees with it except between astral
 * characters and U+E000..U+FFFF, so the exact comparison runs only for keys holding surrogates.
 */
function byCodePoint(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * JSON without whitespace, object keys sorted by Unicode code point (UTF-8 byte order, as Postgres
 * sorts with COLLATE "C" in the backfill), undefined members left out as JSON.stringify does.
 * Written for speed: audit.verify runs it once per event.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value !== "object" || value instanceof Date) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let index = 0; index < value.length; index++) {
      out += (index === 0 ? "" : ",") + canonicalJson(value[index]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(byCodePoint);
  let out = "{";
  for (const key of keys) {
    const inner = record[key];
    if (inner === undefined) continue;
    out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${canonicalJson(inner)}`;
  }
  return `${out}}`;
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
  return hash("sha256", canonicalEvent(event));
}
