import { errors, jwtVerify, SignJWT } from "jose";
import { type Cache, createCache } from "../../core/cache";

/**
 * Widget session tokens: short-lived, signed with a key of their own (never accepted as access tokens),
 * bound to one bot, one conversation and the page origin that opened the session.
 */
export interface WidgetSessionClaims {
  orgId: string;
  botId: string;
  conversationId: string;
  /** The `Origin` the session was opened from; null when the org allows any origin and none was sent. */
  origin: string | null;
  /** The verified end-user id, when the widget identified the visitor. */
  endUserId: string | null;
}

export const WIDGET_SESSION_TTL_SECONDS = 60 * 60;
const ISSUER = "kyro";
const AUDIENCE = "kyro-widget";

export async function signWidgetSession(
  key: Buffer,
  claims: WidgetSessionClaims,
  ttlSeconds = WIDGET_SESSION_TTL_SECONDS,
): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttlSeconds;
  const token = await new SignJWT({
    org: claims.orgId,
    bot: claims.botId,
    origin: claims.origin,
    eu: claims.endUserId,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.conversationId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(key);
  return { token, expiresAt: new Date(exp * 1000) };
}

const stringOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);

interface VerifiedToken {
  claims: WidgetSessionClaims;
  expiresAtMs: number;
}

/**
 * A visitor sends many messages with one token, and checking its signature is the costliest step left
 * in the message path (WebCrypto HMAC through the thread pool). A token whose signature was verified is
 * kept by its exact text, per signing key, until it expires; expiry is still checked on every use.
 * Tokens never change, so nothing invalidates these entries.
 */
const verifiedTokens = new WeakMap<Buffer, Cache<VerifiedToken | null>>();

function verifiedTokensOf(key: Buffer): Cache<VerifiedToken | null> {
  let tokens = verifiedTokens.get(key);
  if (!tokens) {
    tokens = createCache<VerifiedToken | null>({
      name: "widget-session-tokens",
      ttlMs: WIDGET_SESSION_TTL_SECONDS * 1000,
      // Kept until the token expires; a refused token is not kept (its check is cheap to repeat).
      ttlOf: (verified) => (verified ? verified.expiresAtMs - Date.now() : 0),
      maxEntries: 10_000,
      covers: () => false,
    });
    verifiedTokens.set(key, tokens);
  }
  return tokens;
}

/** Returns null for any invalid, expired or foreign token. */
export async function verifyWidgetSession(key: Buffer, token: string): Promise<WidgetSessionClaims | null> {
  const verified = await verifiedTokensOf(key).get(token, () => verifySignature(key, token));
  return verified && verified.expiresAtMs > Date.now() ? verified.claims : null;
}

async function verifySignature(key: Buffer, token: string): Promise<VerifiedToken | null> {
  try {
    // jose checks `exp` only when present: without requiredClaims a token lacking it would never expire.
    const { payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
    });
    if (
      typeof payload.sub !== "string" ||
      typeof payload.org !== "string" ||
      typeof payload.bot !== "string" ||
      typeof payload.exp !== "number"
    ) {
      return null;
    }
    const claims = {
      orgId: payload.org,
      botId: payload.bot,
      conversationId: payload.sub,
      origin: stringOrNull(payload.origin),
      endUserId: stringOrNull(payload.eu),
    };
    return { claims, expiresAtMs: payload.exp * 1000 };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
