import { type AddressCategory, isIpLiteral, judgeAddress, parseAllowList } from "./address-policy";

const DESCRIPTIONS: Record<AddressCategory, string> = {
  public: "a public address",
  invalid: "not a valid address",
  unspecified: "an unspecified address",
  loopback: "a loopback address",
  private: "a private network address",
  "link-local": "a link-local address",
  "carrier-grade-nat": "a carrier-grade NAT address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
  reserved: "a reserved address",
  documentation: "a documentation address",
  metadata: "a cloud metadata address",
  translation: "a translation/tunnel address that hides its destination",
};

export function describeCategory(category: AddressCategory): string {
  return DESCRIPTIONS[category];
}

export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

function isLocalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

export type UrlCheck = { ok: true } | { ok: false; reason: string };

/**
 * Create-time validation of a destination URL. It only looks at the text (no DNS): the guard in the
 * client re-checks every resolved address at send time. URL parsing already normalizes decimal, octal
 * and hex IPv4 forms, so `http://2130706433/` is judged as 127.0.0.1.
 */
export function checkOutboundUrl(url: string, allowCidrs: readonly string[]): UrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "Not a valid URL" };
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return { ok: false, reason: "Only http and https URLs are allowed" };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, reason: "Credentials in the URL are not allowed" };
  }
  const host = hostOf(parsed);
  if (isLocalName(host)) return { ok: false, reason: `Host ${host} is local and not reachable` };
  if (isIpLiteral(host)) {
    const verdict = judgeAddress(host, parseAllowList(allowCidrs));
    if (!verdict.ok) {
      return { ok: false, reason: `Host ${host} is ${describeCategory(verdict.category)} and not allowed` };
    }
    if (parsed.protocol === "http:" && !verdict.exempt) {
      return { ok: false, reason: "https is required" };
    }
    return { ok: true };
  }
  if (parsed.protocol === "http:") return { ok: false, reason: "https is required" };
  return { ok: true };
}
