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

/** Returns null for any invalid, expired or foreign token. */
export async function verifyWidgetSession(key: Buffer, token: string): Promise<WidgetSessionClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    if (
      typeof payload.sub !== "string" ||
      typeof payload.org !== "string" ||
      typeof payload.bot !== "string"
    ) {
      return null;
    }
    return {
      orgId: payload.org,
      botId: payload.bot,
      conversationId: payload.sub,
      origin: stringOrNull(payload.origin),
      endUserId: stringOrNull(payload.eu),
    };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
