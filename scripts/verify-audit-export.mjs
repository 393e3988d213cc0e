// biome-ignore-all format: kept to ten statements so an auditor can read it whole
// Verifies a JSON audit export offline (docs/audit.md): node scripts/verify-audit-export.mjs audit-events.json
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const byCodePoint = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const canon = (v) => Array.isArray(v) ? `[${v.map(canon).join(",")}]` : v && typeof v === "object" ? `{${Object.keys(v).filter((k) => v[k] !== undefined).sort(byCodePoint).map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}` : JSON.stringify(v);
const events = JSON.parse(readFileSync(process.argv[2], "utf8")).sort((a, b) => a.chainSeq - b.chainSeq);
let prev = events[0]?.prevHash; // the anchor: zeros, or the hash of the last event purged or left out
for (const e of events) {
  const hash = createHash("sha256").update(canon(["kyro-audit-v1", e.orgId, e.chainSeq, e.prevHash, e.id, e.createdAt, e.actor.type, e.actor.id, e.actor.label, e.action, e.resourceType, e.resourceId, e.requestId, e.ip, e.userAgent, e.diff])).digest("hex");
  if (e.prevHash !== prev || hash !== e.hash) { process.stdout.write(`broken at event ${e.id} (seq ${e.chainSeq}): ${e.prevHash !== prev ? `prevHash expected ${prev}, found ${e.prevHash}` : `hash expected ${hash}, found ${e.hash}`}\n`); process.exit(1); }
  prev = hash;
}
process.stdout.write(`ok: ${events.length} events, seq ${events[0]?.chainSeq ?? "-"}..${events.at(-1)?.chainSeq ?? "-"}, last hash ${prev ?? "-"}\n`);
