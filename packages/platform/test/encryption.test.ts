import { describe, expect, it } from "vitest";
import { createKeyring, DecryptionError } from "../src/index";

const secret = "root-secret-for-tests-0123456789abcdef";
const ring = () =>
  createKeyring({ purpose: "integrations", keys: [{ id: "k1", secret }], currentKeyId: "k1" });

describe("keyring", () => {
  it("round-trips text, including unicode, and never repeats a ciphertext", () => {
    const keyring = ring();
    const a = keyring.encrypt("sk_live_ünïcødé", "row-1");
    const b = keyring.encrypt("sk_live_ünïcødé", "row-1");
    expect(a).not.toBe(b);
    expect(a).not.toContain("sk_live");
    expect(a.startsWith("v1.k1.")).toBe(true);
    expect(keyring.decrypt(a, "row-1")).toBe("sk_live_ünïcødé");
    expect(keyring.decrypt(keyring.encrypt(""))).toBe("");
  });

  it("rejects a tampered ciphertext", () => {
    const keyring = ring();
    const [version, id, iv, data] = keyring.encrypt("secret value").split(".");
    const bytes = Buffer.from(data ?? "", "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(() => keyring.decrypt([version, id, iv, bytes.toString("base64url")].join("."))).toThrow(
      DecryptionError,
    );
    const tag = Buffer.from(data ?? "", "base64url");
    tag[tag.length - 1] = (tag.at(-1) ?? 0) ^ 1;
    expect(() => keyring.decrypt([version, id, iv, tag.toString("base64url")].join("."))).toThrow(
      "failed authentication",
    );
  });

  it("rejects a ciphertext moved to another context", () => {
    const keyring = ring();
    const sealed = keyring.encrypt("token", "integration-a");
    expect(() => keyring.decrypt(sealed, "integration-b")).toThrow(DecryptionError);
  });

  it("rejects malformed and truncated input", () => {
    const keyring = ring();
    expect(() => keyring.decrypt("plaintext")).toThrow("Unrecognised");
    expect(() => keyring.decrypt("v2.k1.aaa.bbb")).toThrow("Unrecognised");
    expect(() => keyring.decrypt("v1.k1.AAAA.AAAA")).toThrow("Truncated");
  });

  it("rotates: new data uses the current key, old key ids still decrypt, unknown ids fail", () => {
    const old = ring();
    const sealed = old.encrypt("before rotation");
    const rotated = createKeyring({
      purpose: "integrations",
      keys: [
        { id: "k1", secret },
        { id: "k2", secret: "a-brand-new-root-secret-after-rotation" },
      ],
      currentKeyId: "k2",
    });
    expect(rotated.decrypt(sealed)).toBe("before rotation");
    const fresh = rotated.encrypt("after rotation");
    expect(rotated.keyIdOf(fresh)).toBe("k2");
    expect(rotated.keyIdOf(sealed)).toBe("k1");
    expect(() => old.decrypt(fresh)).toThrow('Unknown encryption key "k2"');
  });

  it("separates purposes and secrets", () => {
    const sealed = ring().encrypt("value");
    const otherPurpose = createKeyring({
      purpose: "other",
      keys: [{ id: "k1", secret }],
      currentKeyId: "k1",
    });
    const otherSecret = createKeyring({
      purpose: "integrations",
      keys: [{ id: "k1", secret: `${secret}x` }],
      currentKeyId: "k1",
    });
    expect(() => otherPurpose.decrypt(sealed)).toThrow(DecryptionError);
    expect(() => otherSecret.decrypt(sealed)).toThrow(DecryptionError);
  });

  it("refuses a current key id that is not in the ring, and bad ids", () => {
    expect(() => createKeyring({ purpose: "p", keys: [{ id: "k1", secret }], currentKeyId: "k9" })).toThrow();
    expect(() =>
      createKeyring({ purpose: "p", keys: [{ id: "bad.id", secret }], currentKeyId: "bad.id" }),
    ).toThrow();
  });
});
