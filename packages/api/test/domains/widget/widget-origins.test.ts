import { describe, expect, it } from "vitest";
import { normalizeDomainPattern, originAllowed } from "../../../src/domains/widget/origins";

const allows = (patterns: string[], origin: string | null, allowAnyOrigin = false) =>
  originAllowed({ allowedDomains: patterns.map(normalizeDomainPattern), allowAnyOrigin }, origin);

describe("normalizeDomainPattern", () => {
  it.each([
    ["Example.COM", "example.com"],
    ["  shop.example.com  ", "shop.example.com"],
    ["example.com/", "example.com"],
    ["https://Example.com", "https://example.com"],
    ["https://example.com:443", "https://example.com"],
    ["http://example.com:80/", "http://example.com"],
    ["http://localhost:3000", "http://localhost:3000"],
    ["example.com:8080", "example.com:8080"],
    ["example.com:0443", "example.com:443"],
    ["*.Example.com", "*.example.com"],
    ["https://*.example.com", "https://*.example.com"],
    ["bücher.de", "xn--bcher-kva.de"],
    ["*.bücher.de", "*.xn--bcher-kva.de"],
    ["example.com.", "example.com"],
    ["127.0.0.1:8080", "127.0.0.1:8080"],
    ["[::1]:3000", "[::1]:3000"],
  ])("%s → %s", (raw, normalized) => {
    expect(normalizeDomainPattern(raw)).toBe(normalized);
  });

  it.each([
    ["*", /allowAnyOrigin/],
    ["", /empty/],
    ["   ", /empty/],
    ["*.com", /registered domain/],
    ["foo.*.example.com", /first label/],
    ["*example.com", /first label/],
    ["example.*", /first label/],
    ["https://example.com/path", /path/],
    ["example.com?x=1", /path/],
    ["user@example.com", /path/],
    ["ftp://example.com", /http and https/],
    ["javascript://example.com", /http and https/],
    ["example.com:99999", /port/],
    ["example.com:abc", /port/],
    ["example.com:0", /port/],
    ["exa mple.com", /path|host/],
    ["-bad-.example.com", /host name/],
    ["ex_ample.com", /host name/],
    ["*.127.0.0.1", /IP address/],
    ["a:b:c", /`:`/],
  ])("refuses %j", (raw, reason) => {
    expect(() => normalizeDomainPattern(raw)).toThrow(reason);
  });
});

describe("originAllowed", () => {
  it("matches exact hosts on either scheme at the default port only", () => {
    expect(allows(["example.com"], "https://example.com")).toBe(true);
    expect(allows(["example.com"], "http://example.com")).toBe(true);
    expect(allows(["example.com"], "https://example.com:8443")).toBe(false);
    expect(allows(["example.com"], "https://www.example.com")).toBe(false);
    expect(allows(["example.com"], "https://example.com.evil.test")).toBe(false);
    expect(allows(["example.com"], "https://evilexample.com")).toBe(false);
  });

  it("honours a scheme and a port when the pattern gives them", () => {
    expect(allows(["https://example.com"], "http://example.com")).toBe(false);
    expect(allows(["https://example.com"], "https://example.com")).toBe(true);
    expect(allows(["http://localhost:3000"], "http://localhost:3000")).toBe(true);
    expect(allows(["http://localhost:3000"], "http://localhost:3001")).toBe(false);
    expect(allows(["example.com:443"], "https://example.com")).toBe(true);
  });

  it("matches wildcard subdomains at any depth but not the bare domain", () => {
    expect(allows(["*.example.com"], "https://shop.example.com")).toBe(true);
    expect(allows(["*.example.com"], "https://a.b.example.com")).toBe(true);
    expect(allows(["*.example.com"], "https://example.com")).toBe(false);
    expect(allows(["*.example.com"], "https://badexample.com")).toBe(false);
    expect(allows(["*.bücher.de"], "https://shop.xn--bcher-kva.de")).toBe(true);
  });

  it("refuses missing, opaque and non-web origins unless any origin is allowed", () => {
    expect(allows(["example.com"], null)).toBe(false);
    expect(allows(["example.com"], "null")).toBe(false);
    expect(allows(["example.com"], "file://example.com")).toBe(false);
    expect(allows([], "https://example.com")).toBe(false);
    expect(allows([], null, true)).toBe(true);
    expect(allows([], "https://anything.test", true)).toBe(true);
  });
});
