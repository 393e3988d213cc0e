import { describe, expect, it } from "vitest";
import { parseRequestTarget } from "../src/http/request-target";

const viaUrl = (raw: string) => {
  const url = new URL(raw, "http://kyro.invalid");
  return { pathname: url.pathname, query: [...url.searchParams] };
};

describe("parseRequestTarget", () => {
  it.each([
    "/api/v1/me",
    "/trpc/orgs.get?input=%7B%22json%22%3A%7B%7D%7D",
    "/trpc/orgs.get,auth.me?batch=1&input={}",
    "/api/v1/bots/abc/x.y?z",
    "/a?x=1+2&y=%20&z='\"&w=<>",
    "/a/b/",
    "/a/.b",
    "/a/b.?x=1&x=2",
    "/a/./b",
    "/a/../b",
    "/a/..",
    "/a/.",
    "/a/%2e%2e/b",
    "//elsewhere/x",
    "/a b",
    "/a\\b",
    "/a?#fragment",
    "/a?q=é",
    "/é",
  ])("reads %s as WHATWG URL parsing does", (raw) => {
    const target = parseRequestTarget(raw);
    expect(target && { pathname: target.pathname, query: [...target.searchParams] }).toEqual(viaUrl(raw));
  });

  it("refuses targets that are not origin-form", () => {
    expect(parseRequestTarget(undefined)).toBeNull();
    expect(parseRequestTarget("*")).toBeNull();
    expect(parseRequestTarget("http://example.test/")).toBeNull();
  });
});
