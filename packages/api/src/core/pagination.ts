import { z } from "zod";
import { invalidField } from "./errors";
import { token } from "./text-input";

/** Every list's page size (docs/api-conventions.md, "Answers"): one default and one maximum. */
export const PAGE_DEFAULT = 20;
/** A larger `limit` is refused rather than clamped, so a short page is never mistaken for the end. */
export const PAGE_MAX = 100;

/** The opaque `cursor` every list takes: the previous page's `nextCursor`. */
export const cursorInput = token().min(1).max(200);

/** The two paging fields of every list input, spread into its object schema. */
export const pageFields = {
  cursor: cursorInput.optional(),
  limit: z.int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT),
};

/**
 * Keyset cursors over UUIDv7 ids (time-ordered): a page continues strictly after (or before) the last
 * id it returned, so rows written meanwhile never shift a page. Opaque to clients (base64url).
 */
const cursorId = z.uuid();

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): string {
  const parsed = cursorId.safeParse(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!parsed.success) throw invalidField("cursor", "Invalid cursor");
  return parsed.data;
}

/** Callers fetch `limit + 1` rows: the extra one only tells whether another page exists. */
export function pageOf<Row extends { id: string }>(
  rows: Row[],
  limit: number,
): { items: Row[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/** Offset cursors, for lists that are not keyed by a UUIDv7 id (version numbers, fixed catalogues). */
export function encodeOffset(offset: number): string {
  return Buffer.from(`o:${offset}`, "utf8").toString("base64url");
}

export function decodeOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw invalidField("cursor", "Invalid cursor");
  return Number(match[1]);
}

/** One page of a list held in memory (a catalogue, or rows few enough to read whole). */
export function pageOfArray<Item>(
  all: readonly Item[],
  page: { cursor?: string; limit: number },
): { items: Item[]; nextCursor: string | null } {
  const offset = decodeOffset(page.cursor);
  const items = all.slice(offset, offset + page.limit);
  const next = offset + items.length;
  return { items, nextCursor: next < all.length ? encodeOffset(next) : null };
}

/** The input of a list with no filters of its own (the org comes from the procedure's own input). */
export const pageInput = z.object(pageFields);
export type PageInput = z.output<typeof pageInput>;

/**
 * A page read with SQL `OFFSET` (callers fetch `limit + 1` rows from `decodeOffset(cursor)`), for
 * naturally small lists ordered by something other than a time-ordered id (names, join dates).
 */
export function offsetPageOf<Row>(rows: Row[], page: PageInput): { items: Row[]; nextCursor: string | null } {
  const offset = decodeOffset(page.cursor);
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? encodeOffset(offset + page.limit) : null };
}
