import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { hmacSha256 } from "@kyro/platform";
import { API_KEY_PREFIX } from "../../core/principal";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE = BigInt(ALPHABET.length);
const SECRET_BYTES = 32;

/** Characters needed for any value below `2 ** bits` in base 62. */
function base62Width(bits: number): number {
  let width = 0;
  for (let max = 1n << BigInt(bits); max > 1n; max = (max + BASE - 1n) / BASE) width++;
  return width;
}

/** 32 random bytes: 43 characters. */
export const API_KEY_BODY_LENGTH = base62Width(SECRET_BYTES * 8);
/** CRC32: 6 characters. */
export const API_KEY_CHECKSUM_LENGTH = base62Width(32);
export const API_KEY_LENGTH = API_KEY_PREFIX.length + API_KEY_BODY_LENGTH + API_KEY_CHECKSUM_LENGTH;

/**
 * What a secret scanner should look for (documented in the README): `kyro_sk_`, 43 base62 characters
 * of randomness, 6 base62 characters of CRC32 over everything before them.
 */
export const API_KEY_PATTERN = new RegExp(
  `\\b${API_KEY_PREFIX}[0-9A-Za-z]{${API_KEY_BODY_LENGTH}}[0-9A-Za-z]{${API_KEY_CHECKSUM_LENGTH}}\\b`,
);
const EXACT_SHAPE = new RegExp(
  `^${API_KEY_PREFIX}[0-9A-Za-z]{${API_KEY_BODY_LENGTH + API_KEY_CHECKSUM_LENGTH}}$`,
);

function toBase62(value: bigint, width: number): string {
  let out = "";
  for (let rest = value; rest > 0n; rest /= BASE) out = ALPHABET[Number(rest % BASE)] + out;
  return out.padStart(width, ALPHABET[0]);
}

function checksumOf(prefixAndBody: string): string {
  return toBase62(BigInt(crc32(prefixAndBody)), API_KEY_CHECKSUM_LENGTH);
}

/** A new secret: prefix, 32 random bytes in fixed-width base62, CRC32 checksum. */
export function generateApiKey(): string {
  const body = toBase62(BigInt(`0x${randomBytes(SECRET_BYTES).toString("hex")}`), API_KEY_BODY_LENGTH);
  const prefixAndBody = `${API_KEY_PREFIX}${body}`;
  return `${prefixAndBody}${checksumOf(prefixAndBody)}`;
}

/**
 * Shape and checksum only — no secret involved, so typos, truncations and made-up keys are refused
 * without touching the database or the cache.
 */
export function isWellFormedApiKey(candidate: string): boolean {
  if (!EXACT_SHAPE.test(candidate)) return false;
  const split = candidate.length - API_KEY_CHECKSUM_LENGTH;
  return checksumOf(candidate.slice(0, split)) === candidate.slice(split);
}

/** The only form in which a secret is stored or looked up. */
export function hashApiKey(hmacKey: Buffer, secret: string): string {
  return hmacSha256(hmacKey, secret);
}

export interface MintedApiKey {
  key: string;
  keyHash: string;
  last4: string;
}

export function mintApiKey(hmacKey: Buffer): MintedApiKey {
  const key = generateApiKey();
  return { key, keyHash: hashApiKey(hmacKey, key), last4: key.slice(-4) };
}
