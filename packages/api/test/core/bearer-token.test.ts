import { describe, expect, it } from "vitest";
import { bearerToken } from "../../src/core/bearer";
import { AppError } from "../../src/core/errors";

describe("bearerToken", () => {
  it.each([
    ["Bearer abc.def-123", "abc.def-123"],
    ["bearer abc", "abc"],
    ["BEARER abc", "abc"],
    ["Bearer   abc", "abc"],
    ["Bearer\tabc", "abc"],
    ["Bearer abc  ", "abc"],
    ["Bearer abc\t", "abc"],
  ])("reads %j", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it("is null without a header", () => {
    expect(bearerToken(null)).toBeNull();
    expect(bearerToken("")).toBeNull();
  });

  it.each(["Bearer", "Bearer ", "Bearer a b", "Basic abc", "Token abc", " Bearer abc", "Bearerabc"])(
    "refuses %j as UNAUTHORIZED",
    (header) => {
      let thrown: unknown;
      try {
        bearerToken(header);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe("UNAUTHORIZED");
    },
  );
});
