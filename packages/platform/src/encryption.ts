import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { deriveKey } from "./crypto";

/** One key of a keyring: an id stored beside every ciphertext, and the root secret its key derives from. */
export interface KeyringKey {
  id: string;
  secret: string;
}

export interface KeyringOptions {
  /** Separates this keyring's keys from every other key derived from the same secret. */
  purpose: string;
  /** Every key that may still decrypt; order does not matter. */
  keys: readonly KeyringKey[];
  /** The key new data is encrypted with. */
  currentKeyId: string;
}

/** AES-256-GCM with key ids, so the current key can change while old ciphertexts stay readable. */
export interface Keyring {
  readonly currentKeyId: string;
  /**
   * `context` is authenticated, not stored (GCM additional data): pass what the value belongs to
   * (e.g. a row id and field) so a ciphertext copied to another row fails to decrypt.
   */
  encrypt(plaintext: string, context?: string): string;
  decrypt(ciphertext: string, context?: string): string;
  /** The key id a ciphertext was written with, to find rows that still need re-encryption. */
  keyIdOf(ciphertext: string): string;
}

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

function parse(ciphertext: string): { keyId: string; iv: Buffer; tag: Buffer; data: Buffer } {
  const parts = ciphertext.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptionError("Unrecognised ciphertext format");
  const [, keyId = "", ivText = "", payloadText = ""] = parts;
  const iv = Buffer.from(ivText, "base64url");
  const payload = Buffer.from(payloadText, "base64url");
  if (iv.length !== IV_BYTES || payload.length < TAG_BYTES) throw new DecryptionError("Truncated ciphertext");
  return {
    keyId,
    iv,
    tag: payload.subarray(payload.length - TAG_BYTES),
    data: payload.subarray(0, -TAG_BYTES),
  };
}

/**
 * Builds a keyring. Each key is HKDF(secret, `${purpose}:${id}`), so rotating is either a new id over the
 * same KYRO_SECRET or a new secret under a new id; ciphertexts read `v1.<keyId>.<iv>.<data+tag>`.
 */
export function createKeyring(options: KeyringOptions): Keyring {
  const keys = new Map<string, Buffer>();
  for (const key of options.keys) {
    if (!KEY_ID.test(key.id)) throw new Error(`Invalid encryption key id "${key.id}"`);
    keys.set(key.id, deriveKey(key.secret, `${options.purpose}:${key.id}`));
  }
  const current = keys.get(options.currentKeyId);
  if (!current) throw new Error(`Current encryption key "${options.currentKeyId}" is not in the keyring`);

  return {
    currentKeyId: options.currentKeyId,
    encrypt(plaintext, context = "") {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current, iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, options.currentKeyId, iv.toString("base64url"), data.toString("base64url")].join(".");
    },
    decrypt(ciphertext, context = "") {
      const { keyId, iv, tag, data } = parse(ciphertext);
      const key = keys.get(keyId);
      if (!key) throw new DecryptionError(`Unknown encryption key "${keyId}"`);
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
      } catch {
        throw new DecryptionError("Ciphertext failed authentication");
      }
    },
    keyIdOf(ciphertext) {
      return parse(ciphertext).keyId;
    },
  };
}
