import { z } from "zod";

/**
 * The one rule for text in procedure inputs: every string a client sends is built here (or is a uuid,
 * email, timestamp or enum, whose formats refuse the same characters), so a value Postgres cannot store
 * answers 400 at validation instead of 500 at the database. `text-input.test.ts` walks every procedure's
 * input and fails on a string without one of these rules.
 *
 * Postgres `text` and `jsonb` cannot hold U+0000, and an unpaired UTF-16 surrogate is silently turned
 * into U+FFFD by the drivers (so what is stored is not what was sent, and two different passwords would
 * hash alike) and refused inside jsonb. Human-readable fields refuse control characters too: they would
 * break a console line, a CSV cell, a mail subject or a log line, and never belong in a name.
 *
 * The checks are regular expressions in the interoperable subset of JSON Schema's `pattern` (explicit
 * `\uXXXX` ranges, no `\p{…}`, no flags), so the OpenAPI document states exactly what the server checks.
 * Without the `u` flag JavaScript matches UTF-16 code units, so a surrogate pair is matched as its two
 * halves and a half on its own is refused; with it (ajv's default) the same pattern gives the same answer.
 */

/** Any text but NUL and unpaired surrogates: secrets, passwords, opaque ids, search terms. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to refuse control characters.
export const STORABLE_TEXT = /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/** One line of human text: no C0 or C1 control character, no DEL, no line or paragraph separator. */
export const SINGLE_LINE_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to refuse control characters.
  /^(?:[^\u0000-\u001F\u007F-\u009F\u2028\u2029\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/** Long human text: tab, line feed and carriage return (and Unicode line separators) allowed, nothing else. */
export const MULTI_LINE_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to refuse control characters.
  /^(?:[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/** Printable ASCII without spaces: tokens, keys and cursors Kyro or a client's server generated. */
export const TOKEN_TEXT = /^[\u0021-\u007E]*$/;

/**
 * Not only white space. Chained after `.trim().min(1)` it refuses nothing more, but it puts the rule in
 * the document: `minLength: 1` alone would call "   " valid, which trims to nothing.
 */
export const NOT_BLANK = /\S/;

export const TEXT_MESSAGES = {
  storable: "Must not contain NUL (U+0000) or unpaired surrogate characters",
  singleLine: "Must not contain control characters or line breaks",
  multiLine: "Must not contain control characters other than tab and line breaks",
  token: "Must contain only printable ASCII characters, without spaces",
} as const;

/** The patterns above; a string input carrying one of them satisfies the rule. */
export const TEXT_RULE_PATTERNS: ReadonlySet<RegExp> = new Set([
  STORABLE_TEXT,
  SINGLE_LINE_TEXT,
  MULTI_LINE_TEXT,
  TOKEN_TEXT,
]);

/** A string schema to add the rule to: plain, or a format such as `z.url()`. */
type StringSchema = z.ZodString | z.ZodStringFormat;

/** A builder: a new `z.string()` with the rule, or `base` with the rule added (`singleLine(z.url())`). */
function ruleOf(pattern: RegExp, message: string) {
  function build(): z.ZodString;
  function build<T extends StringSchema>(base: T): T;
  function build(base: StringSchema = z.string()): StringSchema {
    return base.regex(pattern, message);
  }
  return build;
}

/**
 * Opaque text kept exactly as sent (passwords, secrets, ids chosen by a client): only what Postgres
 * cannot store is refused. The check runs on the value as sent, before any `.trim()` chained after it.
 */
export const text = ruleOf(STORABLE_TEXT, TEXT_MESSAGES.storable);

/** A name, a title, a description, a filter, a URL: one line of human-readable text. */
export const singleLine = ruleOf(SINGLE_LINE_TEXT, TEXT_MESSAGES.singleLine);

/** A persona, a message, a reply: text over several lines. */
export const multiLine = ruleOf(MULTI_LINE_TEXT, TEXT_MESSAGES.multiLine);

/** A token, key, hash, cursor or identifier: printable ASCII, no spaces. */
export const token = ruleOf(TOKEN_TEXT, TEXT_MESSAGES.token);
