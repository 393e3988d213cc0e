import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** Why an address is not a public destination; `public` means a tenant may reach it. */
export type AddressCategory =
  | "public"
  | "invalid"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "carrier-grade-nat"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "documentation"
  | "metadata"
  | "translation";

function cidr(text: string): Cidr {
  return ipaddr.parseCIDR(text) as Cidr;
}

// Cloud metadata services answer on these; named separately so refusals say so.
const METADATA: readonly string[] = ["169.254.169.254", "100.100.100.200", "fd00:ec2::254", "fd00:ec2::23"];

const V4_BLOCKS: ReadonlyArray<readonly [AddressCategory, Cidr]> = [
  ["unspecified", cidr("0.0.0.0/8")],
  ["private", cidr("10.0.0.0/8")],
  ["carrier-grade-nat", cidr("100.64.0.0/10")],
  ["loopback", cidr("127.0.0.0/8")],
  ["link-local", cidr("169.254.0.0/16")],
  ["private", cidr("172.16.0.0/12")],
  ["reserved", cidr("192.0.0.0/24")],
  ["documentation", cidr("192.0.2.0/24")],
  ["reserved", cidr("192.88.99.0/24")],
  ["private", cidr("192.168.0.0/16")],
  ["reserved", cidr("198.18.0.0/15")],
  ["documentation", cidr("198.51.100.0/24")],
  ["documentation", cidr("203.0.113.0/24")],
  ["multicast", cidr("224.0.0.0/4")],
  ["broadcast", cidr("255.255.255.255/32")],
  ["reserved", cidr("240.0.0.0/4")],
];

// Checked in order; anything outside 2000::/3 (global unicast) is refused as reserved.
const V6_BLOCKS: ReadonlyArray<readonly [AddressCategory, Cidr]> = [
  ["private", cidr("fc00::/7")],
  ["link-local", cidr("fe80::/10")],
  ["reserved", cidr("fec0::/10")],
  ["multicast", cidr("ff00::/8")],
  ["documentation", cidr("2001:db8::/32")],
  ["documentation", cidr("3fff::/20")],
  ["reserved", cidr("2001:2::/48")],
  ["reserved", cidr("2001:10::/28")],
  ["reserved", cidr("2001:20::/28")],
  // Teredo hides the real destination behind a relay; there is no honest way to check it.
  ["translation", cidr("2001::/32")],
  ["translation", cidr("64:ff9b:1::/48")],
];

const V6_GLOBAL = cidr("2000::/3");
const NAT64 = cidr("64:ff9b::/96");
const SIX_TO_FOUR = cidr("2002::/16");
const MAPPED = cidr("::ffff:0:0/96");
const TRANSLATED = cidr("::ffff:0:0:0/96");
const COMPATIBLE = cidr("::/96");

function parseLiteral(ip: string): Address | undefined {
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  const withoutZone = bare.split("%")[0] ?? bare;
  if (isIP(withoutZone) === 0) return undefined;
  return ipaddr.parse(withoutZone);
}

function v4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** IPv6 forms that carry an IPv4 destination: mapped, translated, compatible, NAT64, 6to4. */
function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  if (address.match(MAPPED) || address.match(TRANSLATED) || address.match(NAT64)) {
    return v4FromParts(p[6] ?? 0, p[7] ?? 0);
  }
  if (address.match(SIX_TO_FOUR)) return v4FromParts(p[1] ?? 0, p[2] ?? 0);
  if (address.match(COMPATIBLE)) return v4FromParts(p[6] ?? 0, p[7] ?? 0);
  return undefined;
}

function classifyV4(address: ipaddr.IPv4): AddressCategory {
  if (METADATA.includes(address.toString())) return "metadata";
  for (const [category, range] of V4_BLOCKS) {
    if (address.match(range)) return category;
  }
  return "public";
}

function classifyV6(address: ipaddr.IPv6): AddressCategory {
  const normalized = address.toString();
  if (normalized === "::") return "unspecified";
  if (normalized === "::1") return "loopback";
  if (METADATA.includes(normalized)) return "metadata";
  const v4 = embeddedV4(address);
  if (v4) return classifyV4(v4);
  for (const [category, range] of V6_BLOCKS) {
    if (address.match(range)) return category;
  }
  return address.match(V6_GLOBAL) ? "public" : "reserved";
}

/** Classifies one literal IP address (v4 or v6, brackets and zone ids tolerated). */
export function classifyAddress(ip: string): AddressCategory {
  const address = parseLiteral(ip);
  if (!address) return "invalid";
  return address.kind() === "ipv4" ? classifyV4(address as ipaddr.IPv4) : classifyV6(address as ipaddr.IPv6);
}

/** A parsed allow-list; entries are CIDRs or single addresses. Throws on a malformed entry. */
export function parseAllowList(allowCidrs: readonly string[]): readonly Cidr[] {
  return allowCidrs.map((entry) => {
    const text = entry.trim();
    if (text.includes("/")) return cidr(text);
    const address = ipaddr.parse(text);
    return [address, address.kind() === "ipv4" ? 32 : 128] as Cidr;
  });
}

function inAllowList(address: Address, allow: readonly Cidr[]): boolean {
  const candidates: Address[] = [address];
  if (address.kind() === "ipv6") {
    const v4 = embeddedV4(address as ipaddr.IPv6);
    if (v4) candidates.push(v4);
  }
  return candidates.some((candidate) =>
    allow.some(([range, bits]) => range.kind() === candidate.kind() && candidate.match(range, bits)),
  );
}

export type AddressVerdict = { ok: true; exempt: boolean } | { ok: false; category: AddressCategory };

/** Public addresses pass; anything else passes only inside the allow-list. */
export function judgeAddress(ip: string, allow: readonly Cidr[]): AddressVerdict {
  const address = parseLiteral(ip);
  if (!address) return { ok: false, category: "invalid" };
  if (allow.length > 0 && inAllowList(address, allow)) return { ok: true, exempt: true };
  const category = classifyAddress(ip);
  return category === "public" ? { ok: true, exempt: false } : { ok: false, category };
}

export function isIpLiteral(host: string): boolean {
  return parseLiteral(host) !== undefined;
}
