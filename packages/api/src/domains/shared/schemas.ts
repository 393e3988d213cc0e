import { z } from "zod";
import { emailAddress } from "../../core/formats";
import { API_KEY_SCOPES } from "../../core/policy";
import { multiLine, NOT_BLANK, singleLine } from "../../core/text-input";

// Input and output pieces that several domains' schemas share.

/** Trimmed, non-empty text of at most `max` characters, over one line or several. */
export const plainText = (max: number, label = "Text", lines: "single" | "multi" = "multi") =>
  (lines === "single" ? singleLine() : multiLine())
    .trim()
    .min(1, `${label} must not be empty`)
    .regex(NOT_BLANK, "Must not be blank")
    .max(max, `${label} must be at most ${max.toLocaleString("en-US")} characters`);

/** A Date through tRPC (superjson), or ISO 8601 text with an offset from REST query strings. */
export const instant = z.union([z.date(), z.iso.datetime({ offset: true })]);

export const rangeIsOrdered = (filters: { from?: Date | string; to?: Date | string }) =>
  !filters.from || !filters.to || new Date(filters.from) <= new Date(filters.to);
export const rangeMessage = { message: "`from` must not be after `to`", path: ["to"] };

/** A bounded report range (`from` and `to` both given): `to` at most `days` days after `from`. */
export const rangeWithin = (days: number) => (range: { from: Date | string; to: Date | string }) =>
  new Date(range.to).getTime() - new Date(range.from).getTime() <= days * 86_400_000;
export const rangeWithinMessage = (days: number) => ({
  message: `The range is at most ${days} days`,
  path: ["to"],
});

/** Trimmed and lower-cased before validation, so lookups and the unique index see one spelling. */
export const emailSchema = emailAddress(254);

export const apiKeyScopeSchema = z.enum(API_KEY_SCOPES).meta({ id: "ApiKeyScope" });
