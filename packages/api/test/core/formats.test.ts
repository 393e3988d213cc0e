import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EMAIL, emailAddress, HTTP_URL, httpsUrl, trimmedWebUrl, webUrl } from "../../src/core/formats";

/**
 * The URL and email rules are the patterns the document declares: what zod checked before (WHATWG URL,
 * `z.email()`) still holds, and the declared pattern adds only what the document says.
 */

describe("webUrl and trimmedWebUrl (outbound URLs)", () => {
  it.each(["https://example.com", "http://127.0.0.1:8080/hook?x=1", "HTTPS://Example.com#top"])(
    "take %s",
    (url) => {
      expect(webUrl(2000).safeParse(url).success).toBe(true);
      expect(trimmedWebUrl(2000).safeParse(` ${url} `).success).toBe(true);
    },
  );

  it.each([
    "https:example.com",
    "https://user:pw@example.com/",
    "ftp://example.com",
    "example.com",
    "https://a.5",
  ])("refuse %s", (url) => {
    expect(webUrl(2000).safeParse(url).success).toBe(false);
  });

  it("trim around the URL, as zod's URL check does", () => {
    expect(webUrl(2000).parse(" https://x.co ")).toBe("https://x.co");
  });

  it("take only what the WHATWG parser takes", () => {
    for (const url of ["https://a.5", "https://x.com:65536", "https://[::1]/", "http://1.2.3.999/"]) {
      expect(HTTP_URL.test(url) && !URL.canParse(url)).toBe(false);
    }
  });

  it("declare format uri and the pattern in the JSON Schema", () => {
    const schema = z.toJSONSchema(webUrl(2000), { io: "input" }) as { format?: string; allOf?: unknown[] };
    expect(schema.format).toBe("uri");
    expect(JSON.stringify(schema)).toContain("[Hh][Tt][Tt][Pp][Ss]?");
  });
});

describe("httpsUrl (a logo)", () => {
  it("takes what WHATWG parsing takes with the https scheme, as stored values were", () => {
    for (const url of ["https://cdn.example.com/logo.png", " https://x.co", "https:x.co", "https://u@x.co"]) {
      expect(httpsUrl(2048).safeParse(url).success).toBe(true);
    }
    expect(httpsUrl(2048).safeParse("http://x.co").success).toBe(false);
  });
});

describe("emailAddress", () => {
  it("is zod's email rule, after trimming and lower-casing", () => {
    for (const address of ["a@b.co", "a.b+c@d-e.fg", ".a@b.co", "a.@b.co", "a!b@c.de", "a@b.c", "a@b"]) {
      expect(EMAIL.test(address)).toBe(z.email().safeParse(address).success);
    }
    expect(emailAddress(320).parse("  Ana@Example.COM ")).toBe("ana@example.com");
    expect(emailAddress(320).safeParse("a..b@example.com").success).toBe(false);
  });
});
