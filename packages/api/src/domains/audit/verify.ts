import { and, asc, auditChainHeads, auditEvents, type Executor, eq, gt, isNull } from "@kyro/db";
import { eventHash, GENESIS_HASH } from "../../core/audit-chain";
import { AUDIT_CHAIN_COLUMNS, AUDIT_EVENT_COLUMNS } from "../shared/audit-columns";
import type { AuditChainVerification } from "./schemas";

/** Events read per query while verifying: memory stays flat however long the chain is. */
export const VERIFY_PAGE_SIZE = 5_000;

type Broken = NonNullable<AuditChainVerification["broken"]>;

/** A real promise (one execution), unlike the query builder, so it can be started ahead. */
async function selectChainPage(db: Executor, orgId: string, afterSeq: number) {
  return await db
    .select({ ...AUDIT_EVENT_COLUMNS, ...AUDIT_CHAIN_COLUMNS })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), gt(auditEvents.chainSeq, afterSeq)))
    .orderBy(asc(auditEvents.chainSeq))
    .limit(VERIFY_PAGE_SIZE);
}

/**
 * Walks the org's chain from its oldest remaining event (retention may have purged a prefix: that
 * event's previous hash is then taken as the anchor) to the head, and stops at the first event whose
 * sequence, link or content hash is wrong. docs/audit.md describes each kind of break.
 */
export async function verifyAuditChain(db: Executor, orgId: string): Promise<AuditChainVerification> {
  const [head] = await db
    .select({ seq: auditChainHeads.seq, hash: auditChainHeads.hash })
    .from(auditChainHeads)
    .where(eq(auditChainHeads.orgId, orgId));
  const [stray] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), isNull(auditEvents.chainSeq)))
    .limit(1);
  const result: AuditChainVerification = {
    ok: true,
    count: 0,
    firstSeq: null,
    lastSeq: null,
    anchor: null,
    head: head ?? null,
    broken: null,
  };
  const fail = (broken: Broken) => ({ ...result, ok: false, broken });
  if (stray)
    return fail({
      kind: "unchained",
      id: stray.id,
      chainSeq: null,
      expected: "a chained event",
      found: "no chain fields",
    });

  let last: { seq: number; hash: string } | null = null;
  let next = selectChainPage(db, orgId, 0);
  for (;;) {
    const rows = await next;
    // The next page loads while this one is hashed; a break found first leaves it unread.
    const lastSeq = rows.at(-1)?.chainSeq;
    const more = rows.length === VERIFY_PAGE_SIZE && typeof lastSeq === "number";
    if (more) {
      next = selectChainPage(db, orgId, lastSeq);
      next.catch(() => {});
    }
    for (const row of rows) {
      const seq = row.chainSeq ?? 0;
      result.count += 1;
      result.lastSeq = seq;
      if (last === null) {
        result.firstSeq = seq;
        result.anchor = row.prevHash;
      }
      const at = { id: row.id, chainSeq: seq };
      if (last !== null && seq !== last.seq + 1) {
        return fail({ kind: "sequence", ...at, expected: String(last.seq + 1), found: String(seq) });
      }
      const expectedPrev = last?.hash ?? (seq === 1 ? GENESIS_HASH : row.prevHash);
      if (row.prevHash !== expectedPrev) {
        return fail({ kind: "link", ...at, expected: expectedPrev ?? "", found: row.prevHash ?? "" });
      }
      const recomputed = eventHash({ ...row, orgId, chainSeq: seq, prevHash: row.prevHash ?? "" });
      if (row.hash !== recomputed)
        return fail({ kind: "hash", ...at, expected: recomputed, found: row.hash ?? "" });
      last = { seq, hash: recomputed };
    }
    if (!more) break;
  }
  if (last && (!head || head.seq !== last.seq || head.hash !== last.hash)) {
    const expected = head ? `${head.seq}:${head.hash}` : "a chain head";
    return fail({ kind: "head", id: null, chainSeq: last.seq, expected, found: `${last.seq}:${last.hash}` });
  }
  return result;
}
