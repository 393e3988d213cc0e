import type { ExportFileFormat } from "@kyro/db";
import { hmacSha256, safeEqual } from "@kyro/platform";
import { AppError } from "../../core/errors";

export interface LinkTarget {
  exportId: string;
  format: ExportFileFormat;
  /** Unix seconds. */
  expires: number;
}

const signatureOf = (key: Buffer, target: LinkTarget) =>
  hmacSha256(key, `${target.exportId}.${target.format}.${target.expires}`);

/** The query of a download link: the link names the file, its format and its end, all signed. */
export function signedQuery(key: Buffer, target: LinkTarget): string {
  const signature = signatureOf(key, target);
  return `format=${target.format}&expires=${target.expires}&signature=${signature}`;
}

const invalidLink = (message: string) => new AppError("FORBIDDEN", message, { reason: "invalid_link" });

/** Refuses a tampered link (any changed field) and an expired one alike with 403. */
export function verifyLink(key: Buffer, target: LinkTarget, signature: string, now: Date): void {
  // The input schema admits lowercase hex only, the form signatureOf writes: comparing the text is exact.
  if (!safeEqual(signature, signatureOf(key, target))) throw invalidLink("This download link is not valid");
  if (target.expires * 1000 <= now.getTime()) throw invalidLink("This download link has expired");
}

/** Keyed per org: the same visitor hashes alike within an org's exports and differently across orgs. */
export function hashPersonal(key: Buffer, orgId: string, value: string): string {
  return hmacSha256(key, `${orgId}\u0000${value}`).slice(0, 32);
}
