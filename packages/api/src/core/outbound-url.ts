import { checkOutboundUrl } from "@kyro/platform";
import type { AppDeps } from "./deps";
import { invalidField } from "./errors";

/**
 * Refuses, as a 400 on `field`, a URL the guarded outbound client would refuse (private, loopback or
 * metadata addresses outside the allowed ranges, plain http): a URL stored for later calls is checked
 * when it is saved, so a caller learns at once rather than from a failed delivery or sync.
 */
export function assertOutboundUrl(deps: AppDeps, url: string, field: string): void {
  const check = checkOutboundUrl(url, deps.settings.outboundAllowCidrs);
  if (!check.ok) throw invalidField(field, `${field}: ${check.reason}`, "url_not_allowed");
}
