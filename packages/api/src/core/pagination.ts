import { z } from "zod";
import { AppError } from "./errors";

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
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Invalid cursor", { field: "cursor" });
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
