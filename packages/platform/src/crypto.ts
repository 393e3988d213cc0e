import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** Derives an independent 32-byte subkey of the root secret for one purpose (RFC 5869 HKDF-SHA256). */
export function deriveKey(rootSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", rootSecret, "kyro", purpose, 32));
}

export function hmacSha256(key: Buffer, value: string): string {
  return createHmac("sha256", key).update(value).digest("hex");
}

/** An opaque bearer secret: product prefix + 32 random bytes, base64url. Store only its HMAC. */
export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
