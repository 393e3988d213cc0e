import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { InboundProfile } from "@kyro/db";
import { Webhook } from "standardwebhooks";

/** What an endpoint verifies with; the secret is already decrypted. */
export interface VerificationProfile {
  profile: InboundProfile;
  secret: string;
  toleranceSeconds: number;
  hmacHeader: string | null;
  hmacEncoding: "hex" | "base64" | null;
  deliveryIdHeader: string | null;
}

export type InboundHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type Verification =
  | {
      ok: true;
      deliveryId: string;
      eventType: string | null;
      /**
       * SHA-256 (hex) of exactly what the signature covers. Deduplicating on it as well as on the
       * delivery id stops a captured delivery from being replayed under another unsigned delivery id.
       */
      signedDigest: string;
    }
  | { ok: false; message: string };

function header(headers: InboundHeaders, name: string): string | null {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? null : first;
}

function hmac(secret: string | Buffer, parts: ReadonlyArray<string | Buffer>): Buffer {
  const mac = createHmac("sha256", secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time comparison of a computed digest with what the sender claims (already decoded). */
function matches(expected: Buffer, claimed: Buffer): boolean {
  return expected.length === claimed.length && timingSafeEqual(expected, claimed);
}

const decodeHex = (text: string): Buffer =>
  /^[0-9a-f]+$/i.test(text) && text.length % 2 === 0 ? Buffer.from(text, "hex") : Buffer.alloc(0);

function parseJson(body: Buffer): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * A sender's id or event type from the JSON body, or null. A value Postgres text cannot hold (a `\u0000`
 * escape) counts as absent: the delivery is still stored, under the body digest and without a type.
 */
function stringField(body: Record<string, unknown> | null, field: string): string | null {
  const value = body?.[field];
  return typeof value === "string" && value.length > 0 && !value.includes("\u0000")
    ? value.slice(0, 200)
    : null;
}

function sha256(parts: ReadonlyArray<string | Buffer>): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/** A sender that gives no delivery id is deduplicated by its body: a retry sends the same bytes. */
const bodyDigest = (body: Buffer) => `sha256:${sha256([body])}`;

function checkTimestamp(text: string | null, toleranceSeconds: number, now: Date): string | null {
  if (text === null || !/^\d{1,12}$/.test(text)) return "Missing or malformed timestamp";
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(text));
  return skew > toleranceSeconds ? "Timestamp outside the tolerance" : null;
}

const bad = (message: string): Verification => ({ ok: false, message });

function verifyStandard(
  p: VerificationProfile,
  headers: InboundHeaders,
  body: Buffer,
  now: Date,
): Verification {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !signatures) return bad("Missing webhook-id or webhook-signature");
  const stale = checkTimestamp(timestamp, p.toleranceSeconds, now);
  if (stale) return bad(stale);
  // The library's verify() fixes the tolerance at 5 minutes; sign() computes the same v1 signature and
  // lets the endpoint's own tolerance apply (checked above).
  let expected: string;
  try {
    expected = new Webhook(p.secret).sign(id, new Date(Number(timestamp) * 1000), body).split(",")[1] ?? "";
  } catch {
    return bad("The endpoint secret is not a valid Standard Webhooks secret");
  }
  const expectedBytes = Buffer.from(expected, "base64");
  const valid = signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",", 2);
    return version === "v1" && value !== undefined && matches(expectedBytes, Buffer.from(value, "base64"));
  });
  if (!valid) return bad("Signature mismatch");
  return {
    ok: true,
    deliveryId: id.slice(0, 200),
    eventType: stringField(parseJson(body), "type"),
    signedDigest: sha256([`${id}.${timestamp}.`, body]),
  };
}

function verifyGithub(p: VerificationProfile, headers: InboundHeaders, body: Buffer): Verification {
  const signature = header(headers, "x-hub-signature-256");
  if (!signature?.startsWith("sha256=")) return bad("Missing X-Hub-Signature-256");
  if (!matches(hmac(p.secret, [body]), decodeHex(signature.slice(7)))) return bad("Signature mismatch");
  return {
    ok: true,
    deliveryId: header(headers, "x-github-delivery")?.slice(0, 200) ?? bodyDigest(body),
    eventType: header(headers, "x-github-event")?.slice(0, 200) ?? null,
    signedDigest: sha256([body]),
  };
}

function verifyStripe(
  p: VerificationProfile,
  headers: InboundHeaders,
  body: Buffer,
  now: Date,
): Verification {
  const signature = header(headers, "stripe-signature");
  if (!signature) return bad("Missing Stripe-Signature");
  const pairs = signature.split(",").map((item) => item.trim().split("=", 2) as [string, string | undefined]);
  const timestamp = pairs.find(([key]) => key === "t")?.[1] ?? null;
  const stale = checkTimestamp(timestamp, p.toleranceSeconds, now);
  if (stale) return bad(stale);
  const expected = hmac(p.secret, [`${timestamp}.`, body]);
  const valid = pairs.some(
    ([key, value]) => key === "v1" && value !== undefined && matches(expected, decodeHex(value)),
  );
  if (!valid) return bad("Signature mismatch");
  const parsed = parseJson(body);
  return {
    ok: true,
    deliveryId: stringField(parsed, "id") ?? bodyDigest(body),
    eventType: stringField(parsed, "type"),
    signedDigest: sha256([`${timestamp}.`, body]),
  };
}

function verifyChatwoot(
  p: VerificationProfile,
  headers: InboundHeaders,
  body: Buffer,
  now: Date,
): Verification {
  const signature = header(headers, "x-chatwoot-signature");
  const timestamp = header(headers, "x-chatwoot-timestamp");
  if (!signature?.startsWith("sha256=")) return bad("Missing X-Chatwoot-Signature");
  const stale = checkTimestamp(timestamp, p.toleranceSeconds, now);
  if (stale) return bad(stale);
  if (!matches(hmac(p.secret, [`${timestamp}.`, body]), decodeHex(signature.slice(7)))) {
    return bad("Signature mismatch");
  }
  return {
    ok: true,
    deliveryId: bodyDigest(body),
    eventType: stringField(parseJson(body), "event"),
    signedDigest: sha256([`${timestamp}.`, body]),
  };
}

function verifyHmac(p: VerificationProfile, headers: InboundHeaders, body: Buffer): Verification {
  const name = p.hmacHeader ?? "";
  const raw = header(headers, name);
  if (!raw) return bad(`Missing ${name}`);
  // Many senders prefix the algorithm (`sha256=`); the value after it is what is compared.
  const value = raw.startsWith("sha256=") ? raw.slice(7) : raw;
  const claimed = p.hmacEncoding === "base64" ? Buffer.from(value, "base64") : decodeHex(value);
  if (!matches(hmac(p.secret, [body]), claimed)) return bad("Signature mismatch");
  const delivery = p.deliveryIdHeader ? header(headers, p.deliveryIdHeader) : null;
  return {
    ok: true,
    deliveryId: delivery?.slice(0, 200) ?? bodyDigest(body),
    eventType: null,
    signedDigest: sha256([body]),
  };
}

/** Verifies a delivery against the raw body exactly as received; never throws on sender input. */
export function verifyInbound(
  profile: VerificationProfile,
  headers: InboundHeaders,
  body: Buffer,
  now = new Date(),
): Verification {
  switch (profile.profile) {
    case "standard-webhooks":
      return verifyStandard(profile, headers, body, now);
    case "github":
      return verifyGithub(profile, headers, body);
    case "stripe":
      return verifyStripe(profile, headers, body, now);
    case "chatwoot":
      return verifyChatwoot(profile, headers, body, now);
    case "hmac":
      return verifyHmac(profile, headers, body);
  }
}

const KEPT_HEADERS = [
  "content-type",
  "user-agent",
  "webhook-id",
  "webhook-timestamp",
  "x-github-event",
  "x-github-delivery",
  "x-github-hook-id",
  "x-chatwoot-timestamp",
];

/** The headers worth keeping with an event: identification and content, never signatures or cookies. */
export function keptHeaders(headers: InboundHeaders, extra: string | null): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of extra ? [...KEPT_HEADERS, extra] : KEPT_HEADERS) {
    const value = header(headers, name);
    if (value !== null) kept[name] = value.slice(0, 500);
  }
  return kept;
}
