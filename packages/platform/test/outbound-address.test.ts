import { describe, expect, it } from "vitest";
import { checkOutboundUrl, classifyAddress } from "../src/index";

describe("classifyAddress", () => {
  const vectors: Array<[string, string]> = [
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["93.184.216.34", "public"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["169.254.1.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["100.64.0.1", "carrier-grade-nat"],
    ["100.127.255.255", "carrier-grade-nat"],
    ["100.128.0.1", "public"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.0.8", "reserved"],
    ["198.18.0.1", "reserved"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fd00:ec2::254", "metadata"],
    ["fec0::1", "reserved"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001:4860:4860::8888", "public"],
    ["2606:4700:4700::1111", "public"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:8.8.8.8", "public"],
    ["::ffff:0:a00:1", "private"],
    ["::127.0.0.1", "loopback"],
    ["::a00:1", "private"],
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::8.8.8.8", "public"],
    ["64:ff9b:1::1", "translation"],
    ["2002:7f00:1::1", "loopback"],
    ["2002:c0a8:101::1", "private"],
    ["2001:0:4136:e378::1", "translation"],
    ["100::1", "reserved"],
    ["4000::1", "reserved"],
    ["not-an-ip", "invalid"],
    ["example.com", "invalid"],
  ];
  it.each(vectors)("%s → %s", (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });
});

describe("checkOutboundUrl", () => {
  const none: string[] = [];
  const loopback = ["127.0.0.0/8"];

  it("accepts public https URLs", () => {
    expect(checkOutboundUrl("https://example.com/hook", none)).toEqual({ ok: true });
    expect(checkOutboundUrl("https://8.8.8.8/hook", none)).toEqual({ ok: true });
  });

  it("requires https unless the host is an allowed literal", () => {
    expect(checkOutboundUrl("http://example.com/hook", none)).toEqual({
      ok: false,
      reason: "https is required",
    });
    expect(checkOutboundUrl("http://8.8.8.8/", none)).toEqual({ ok: false, reason: "https is required" });
    expect(checkOutboundUrl("http://127.0.0.1:8080/hook", loopback)).toEqual({ ok: true });
  });

  it("rejects other schemes, junk and credentials", () => {
    expect(checkOutboundUrl("ftp://example.com/", none).ok).toBe(false);
    expect(checkOutboundUrl("file:///etc/passwd", none).ok).toBe(false);
    expect(checkOutboundUrl("not a url", none).ok).toBe(false);
    expect(checkOutboundUrl("https://user:pw@example.com/", none).ok).toBe(false);
  });

  it.each([
    ["https://127.0.0.1/", "loopback"],
    ["https://2130706433/", "loopback"],
    ["https://0x7f.0.0.1/", "loopback"],
    ["https://0177.0.0.1/", "loopback"],
    ["https://127.1/", "loopback"],
    ["https://127.0.0.1./", "loopback"],
    ["https://0/", "unspecified"],
    ["https://0x0a.0.0.1/", "private"],
    ["https://[0:0:0:0:0:ffff:7f00:1]/", "loopback"],
    ["https://[64:ff9b::a9fe:a9fe]/", "metadata"],
    ["https://[::1]/", "loopback"],
    ["https://[::ffff:127.0.0.1]/", "loopback"],
    ["https://10.0.0.5/", "private"],
    ["https://169.254.169.254/latest/meta-data/", "metadata"],
    ["https://[fd00:ec2::254]/", "metadata"],
    ["https://100.100.100.200/", "metadata"],
    ["https://[fe80::1]/", "link-local"],
    ["https://0.0.0.0/", "unspecified"],
  ])("refuses %s with a reason naming %s", (url, word) => {
    const result = checkOutboundUrl(url, none);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(word);
  });

  it("refuses localhost names", () => {
    expect(checkOutboundUrl("https://localhost/", none)).toMatchObject({ ok: false });
    expect(checkOutboundUrl("https://api.localhost./", loopback)).toMatchObject({ ok: false });
  });

  it("exempts allowed ranges", () => {
    expect(checkOutboundUrl("https://127.0.0.1/", loopback)).toEqual({ ok: true });
    expect(checkOutboundUrl("https://10.0.0.1/", loopback).ok).toBe(false);
  });
});
