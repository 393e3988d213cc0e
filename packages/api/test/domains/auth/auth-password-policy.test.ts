import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import {
  assertPasswordPolicy,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordPolicyViolation,
} from "../../../src/domains/auth/password-policy";

const EMAIL = "jane.doe@example.test";

describe("password policy", () => {
  it("accepts a long, uncommon password", () => {
    expect(passwordPolicyViolation("violet-lantern-harbor-91", EMAIL)).toBeNull();
  });

  it("requires at least the minimum length, counted in characters", () => {
    expect(passwordPolicyViolation("a".repeat(PASSWORD_MIN_LENGTH - 1), EMAIL)).toBe("min_length");
    expect(passwordPolicyViolation("ab3$ef7&hk", EMAIL)).toBeNull();
    // Nine emoji are eighteen UTF-16 units but nine characters.
    expect(passwordPolicyViolation("🔑".repeat(PASSWORD_MIN_LENGTH - 1), EMAIL)).toBe("min_length");
    expect(passwordPolicyViolation("🔑".repeat(PASSWORD_MIN_LENGTH), EMAIL)).toBeNull();
  });

  it("caps the length", () => {
    expect(passwordPolicyViolation("x7".repeat(PASSWORD_MAX_LENGTH / 2), EMAIL)).toBeNull();
    expect(passwordPolicyViolation(`${"x7".repeat(PASSWORD_MAX_LENGTH / 2)}z`, EMAIL)).toBe("max_length");
  });

  it("refuses the email address and its local part, whatever the case", () => {
    expect(passwordPolicyViolation("Jane.Doe@Example.TEST", EMAIL)).toBe("not_email");
    expect(passwordPolicyViolation("JANE.DOE@example.test", EMAIL)).toBe("not_email");
    expect(passwordPolicyViolation("jane.doe.longer", "jane.doe.longer@example.test")).toBe("not_email");
    expect(passwordPolicyViolation("Jane.Doe.Longer", "jane.doe.longer@example.test")).toBe("not_email");
  });

  it("refuses common passwords regardless of case", () => {
    expect(passwordPolicyViolation("password123", EMAIL)).toBe("common_password");
    expect(passwordPolicyViolation("PassWord123", EMAIL)).toBe("common_password");
    expect(passwordPolicyViolation("qwertyuiop", EMAIL)).toBe("common_password");
    expect(passwordPolicyViolation("1234567890", EMAIL)).toBe("common_password");
  });

  it("throws a BAD_REQUEST AppError naming the rule", () => {
    const cases = [
      ["short", "min_length", /at least 10 characters/],
      ["y".repeat(PASSWORD_MAX_LENGTH + 1), "max_length", /at most 256 characters/],
      [EMAIL, "not_email", /email/],
      ["basketball", "common_password", /too common/],
    ] as const;
    for (const [password, rule, message] of cases) {
      let thrown: unknown;
      try {
        assertPasswordPolicy(password, EMAIL, "password");
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({
        code: "BAD_REQUEST",
        details: { issues: [{ path: "password", code: rule }] },
      });
      expect((thrown as AppError).message).toMatch(message);
    }
    expect(() => assertPasswordPolicy("violet-lantern-harbor-91", EMAIL, "password")).not.toThrow();
  });
});
