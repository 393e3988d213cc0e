import { errors, jwtVerify, SignJWT } from "jose";

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
 */
const verifiedTokens = new WeakMap<Buffer, Map<string, VerifiedToken>>();
const MAX_VERIFIED_TOKENS = 10_000;

function rememberVerified(key: Buffer, token: string, verified: VerifiedToken): void {
  let tokens = verifiedTokens.get(key);
  if (!tokens) {
    tokens = new Map();
    verifiedTokens.set(key, tokens);
  }
  if (tokens.size >= MAX_VERIFIED_TOKENS) {
    const oldest = tokens.keys().next();
    if (!oldest.done) tokens.delete(oldest.value);
  }
  tokens.set(token, verified);
}

/** Returns null for any invalid, expired or foreign token. */
export async function verifyWidgetSession(key: Buffer, token: string): Promise<WidgetSessionClaims | null> {
  const known = verifiedTokens.get(key)?.get(token);
  if (known) {
    if (known.expiresAtMs > Date.now()) return known.claims;
    verifiedTokens.get(key)?.delete(token);
    return null;
  }
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
    rememberVerified(key, token, { claims, expiresAtMs: payload.exp * 1000 });
    return claims;
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
