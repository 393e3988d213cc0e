import { errors, jwtVerify, SignJWT } from "jose";

export interface AccessClaims {
  userId: string;
  sessionId: string;
  activeOrgId: string | null;
}

export interface AccessTokenIssuer {
  sign(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }>;
  /** Returns null for any invalid, expired or foreign token. */
  verify(token: string): Promise<AccessClaims | null>;
}

const ISSUER = "kyro";
const AUDIENCE = "kyro-api";

export function createAccessTokenIssuer(key: Buffer, ttlSeconds: number): AccessTokenIssuer {
  return {
    async sign(claims) {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      const token = await new SignJWT({ sid: claims.sessionId, org: claims.activeOrgId })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(claims.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async verify(token) {
      try {
        // jose checks `exp` only when present: without requiredClaims a token lacking it would never expire.
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ["HS256"],
          requiredClaims: ["exp"],
        });
        if (typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
        const org = typeof payload.org === "string" ? payload.org : null;
        return { userId: payload.sub, sessionId: payload.sid, activeOrgId: org };
      } catch (error) {
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
    },
  };
}
