import { parse as parseDomain } from "tldts";

/**
 * Embedding allowlist: patterns an org or bot lists in `allowedDomains`, and the check of a request's
 * `Origin` against them. A pattern is a host, optionally preceded by `http://` or `https://` and
 * followed by `:port`; `*.example.com` covers every subdomain of example.com (at any depth) but not
 * example.com itself. Without a scheme both http and https match; without a port only the scheme's
 * default port does. A host that is a public suffix (`co.uk`, `github.io`) is refused, bare or under
 * a wildcard: no tenant owns it, and `*.co.uk` would let every site under it embed the widget.
 */

export class DomainPatternError extends Error {}

interface ParsedPattern {
  scheme: "http" | "https" | null;
  wildcard: boolean;
  host: string;
  port: string | null;
}

const DEFAULT_PORT: Record<string, string> = { http: "80", https: "443" };
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Whether the Public Suffix List (ICANN and private sections, shipped inside tldts) names `host` as a
 * suffix under which anyone can register. Hosts it does not know (`localhost`, `shop.internal`) are not.
 */
function isPublicSuffix(host: string): boolean {
  const parsed = parseDomain(host, { allowPrivateDomains: true, extractHostname: false });
  return parsed.publicSuffix === host && (parsed.isIcann === true || parsed.isPrivate === true);
}

function fail(pattern: string, reason: string): never {
  throw new DomainPatternError(`\`${pattern}\`: ${reason}`);
}

/** Splits `host[:port]`, with `[v6]:port` for IPv6 literals. */
function splitPort(pattern: string, authority: string): { host: string; port: string | null } {
  const bracketed = /^(\[[^\]]+\])(?::(\d+))?$/.exec(authority);
  if (bracketed?.[1]) return { host: bracketed[1], port: bracketed[2] ?? null };
  const parts = authority.split(":");
  if (parts.length > 2) fail(pattern, "too many `:`");
  const [host = "", port] = parts;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) fail(pattern, "the port must be a number");
  return { host, port: port ?? null };
}

function parsePattern(raw: string): ParsedPattern {
  const pattern = raw.trim();
  let rest = pattern.toLowerCase();
  if (rest === "") fail(raw, "empty pattern");
  if (rest === "*") fail(pattern, "use `allowAnyOrigin` (org defaults) to allow every origin");
  let scheme: ParsedPattern["scheme"] = null;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//.exec(rest);
  if (schemeMatch?.[1]) {
    if (schemeMatch[1] !== "http" && schemeMatch[1] !== "https")
      fail(pattern, "only http and https pages can embed the widget");
    scheme = schemeMatch[1];
    rest = rest.slice(schemeMatch[0].length);
  }
  if (rest.endsWith("/")) rest = rest.slice(0, -1);
  if (/[/?#@\\\s]/.test(rest)) fail(pattern, "give a host (and an optional port), not a URL with a path");
  let wildcard = false;
  if (rest.startsWith("*.")) {
    wildcard = true;
    rest = rest.slice(2);
  }
  if (rest.includes("*"))
    fail(pattern, "`*` is only allowed as the whole first label, as in `*.example.com`");
  const split = splitPort(pattern, rest);
  let port = split.port;
  if (port !== null) {
    const number = Number(port);
    if (number < 1 || number > 65_535) fail(pattern, "the port must be between 1 and 65535");
    port = String(number);
    if (scheme && DEFAULT_PORT[scheme] === port) port = null;
  }
  let host: string;
  try {
    // The WHATWG parser lower-cases, applies IDNA (punycode) and normalizes IPv4 literals.
    host = new URL(`${scheme ?? "https"}://${split.host}`).hostname;
  } catch {
    fail(pattern, "not a valid host name");
  }
  if (host.endsWith(".")) host = host.slice(0, -1);
  const isIp = host.startsWith("[") || IPV4.test(host);
  if (!isIp && !host.split(".").every((label) => LABEL.test(label))) fail(pattern, "not a valid host name");
  if (wildcard && isIp) fail(pattern, "a wildcard needs a domain name, not an IP address");
  if (wildcard && host.split(".").length < 2) {
    fail(pattern, "a wildcard must cover a registered domain, as in `*.example.com`");
  }
  if (!isIp && isPublicSuffix(host)) {
    fail(
      pattern,
      wildcard
        ? "a wildcard must cover a registered domain, not a public suffix such as `co.uk` or `github.io`"
        : "a public suffix such as `co.uk` or `github.io` is not a site; give the site's own domain",
    );
  }
  return { scheme, wildcard, host, port };
}

function formatPattern(parsed: ParsedPattern): string {
  const scheme = parsed.scheme ? `${parsed.scheme}://` : "";
  const wildcard = parsed.wildcard ? "*." : "";
  const port = parsed.port ? `:${parsed.port}` : "";
  return `${scheme}${wildcard}${parsed.host}${port}`;
}

/** The canonical form of a pattern, or a DomainPatternError saying what is wrong with it. */
export function normalizeDomainPattern(raw: string): string {
  return formatPattern(parsePattern(raw));
}

/** The stored patterns that still pass the rules; the others are dropped (see `originAllowed`). */
export function currentDomainPatterns(stored: readonly unknown[]): unknown[] {
  return stored.filter((pattern) => {
    if (typeof pattern !== "string") return true;
    try {
      parsePattern(pattern);
      return true;
    } catch {
      return false;
    }
  });
}

interface ParsedOrigin {
  scheme: string;
  host: string;
  port: string;
}

function parseOrigin(origin: string): ParsedOrigin | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https") return null;
  return { scheme, host: url.hostname, port: url.port || (DEFAULT_PORT[scheme] as string) };
}

function matches(pattern: ParsedPattern, origin: ParsedOrigin): boolean {
  if (pattern.scheme && pattern.scheme !== origin.scheme) return false;
  if ((pattern.port ?? DEFAULT_PORT[origin.scheme]) !== origin.port) return false;
  return pattern.wildcard ? origin.host.endsWith(`.${pattern.host}`) : origin.host === pattern.host;
}

/**
 * Whether a page at `origin` may use the widget. A missing or opaque (`null`) origin passes only when
 * the org opted into any origin; an empty allowlist allows none. A stored pattern that no longer
 * passes the rules (saved before a rule existed, or a domain that has since become a public suffix)
 * matches nothing.
 */
export function originAllowed(
  rules: { allowedDomains: readonly string[]; allowAnyOrigin: boolean },
  origin: string | null,
): boolean {
  if (rules.allowAnyOrigin) return true;
  if (!origin) return false;
  const parsed = parseOrigin(origin);
  if (!parsed) return false;
  return rules.allowedDomains.some((stored) => {
    try {
      return matches(parsePattern(stored), parsed);
    } catch {
      return false;
    }
  });
}
