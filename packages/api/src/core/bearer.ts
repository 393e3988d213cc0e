import { unauthorized } from "./errors";

const BEARER_PREFIX = "Bearer ";
const CANONICAL_BEARER = /^Bearer \S+$/;

/** Reads `Authorization: Bearer <token>`; null when absent, UNAUTHORIZED when present but malformed. */
export function bearerToken(authorization: string | null): string | null {
  if (!authorization) return null;
  // The usual form, checked without building a match; any other spelling takes the full pattern.
  if (CANONICAL_BEARER.test(authorization)) return authorization.slice(BEARER_PREFIX.length);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthorized("Authorization must be `Bearer <token>`");
  return match[1];
}
