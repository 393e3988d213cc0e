import { z } from "zod";
import type { AuditScope } from "../../audit-log";
import type { AppDeps } from "../../deps";
import { AppError } from "../../errors";
import type { OrgScope } from "../../trpc";

export interface IntegrationsContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
}

/** Postgres unique violation (23505), whether the driver error is thrown bare or wrapped by Drizzle. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

/** Short secrets show nothing: four characters of an eight-character password give too much away. */
export function last4(secret: string): string | null {
  return secret.length >= 12 ? secret.slice(-4) : null;
}

const cursorId = z.uuid();

/** Keyset cursors over UUIDv7 ids (time-ordered); opaque to clients. */
export const encodeCursor = (id: string): string => Buffer.from(id, "utf8").toString("base64url");

export function decodeCursor(cursor: string): string {
  const parsed = cursorId.safeParse(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Invalid cursor", { field: "cursor" });
  return parsed.data;
}
