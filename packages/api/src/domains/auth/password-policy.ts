import { dictionary } from "@zxcvbn-ts/language-common";
import { invalidField } from "../../core/errors";

export const PASSWORD_MIN_LENGTH = 10;
/** Bounds the argon2 input; long passphrases fit comfortably. */
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordRule = "min_length" | "max_length" | "not_email" | "common_password";

// Built once per process: ~49k entries from the zxcvbn-ts common-password list.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary.passwords.map((p) => p.toLowerCase()));

const RULE_MESSAGES: Record<PasswordRule, string> = {
  min_length: `Password must be at least ${PASSWORD_MIN_LENGTH} characters`,
  max_length: `Password must be at most ${PASSWORD_MAX_LENGTH} characters`,
  not_email: "Password must not be your email address",
  common_password: "Password is too common; choose one that is not on lists of leaked passwords",
};

/**
 * NIST SP 800-63B style: length and a blocklist rather than composition rules. Returns the first rule
 * the password breaks, or null. `email` must already be normalized (trimmed, lower-cased).
 */
export function passwordPolicyViolation(password: string, email: string): PasswordRule | null {
  // Length in code points, so a passphrase of emoji or accented letters is counted as the user sees it.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return "min_length";
  if (length > PASSWORD_MAX_LENGTH) return "max_length";
  const lowered = password.toLowerCase();
  const localPart = email.slice(0, email.lastIndexOf("@"));
  if (lowered === email || (localPart !== "" && lowered === localPart)) return "not_email";
  if (COMMON_PASSWORDS.has(lowered)) return "common_password";
  return null;
}

/** `field` names the input the password came in (`password`, `newPassword`); the code is the rule. */
export function assertPasswordPolicy(password: string, email: string, field: string): void {
  const rule = passwordPolicyViolation(password, email);
  if (rule) throw invalidField(field, RULE_MESSAGES[rule], rule);
}
