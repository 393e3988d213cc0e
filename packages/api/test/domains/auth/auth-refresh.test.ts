import { eq, refreshTokenFamilies, refreshTokens, sql } from "@kyro/db";
import { hmacSha256 } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRows, failureOf, signUpVerified, uniqueEmail, userMe } from "../../auth-helpers";
import { createTestApp, type TestApp } from "../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

function signup() {
  return signUpVerified(app, { email: uniqueEmail("refresh") });
}

function refresh(refreshToken: string) {
  return app.caller().auth.refresh({ refreshToken });
}

function hashOf(token: string): string {
  return hmacSha256(app.deps.hmacKeys.refreshToken, token);
}

async function sessionIdOf(accessToken: string): Promise<string> {
  const claims = await app.deps.accessTokens.verify(accessToken);
  if (!claims) throw new Error("access token does not verify");
  return claims.sessionId;
}

async function family(sessionId: string) {
  const [row] = await app.database.db
    .select({ revokedAt: refreshTokenFamilies.revokedAt, revokedReason: refreshTokenFamilies.revokedReason })
    .from(refreshTokenFamilies)
    .where(eq(refreshTokenFamilies.id, sessionId));
  return row;
}

describe("auth.refresh", () => {
  it("rotates: a new pair in the same session, the old token marked used", async () => {
    const session = await signup();
    const sessionId = await sessionIdOf(session.accessToken);
    const next = await refresh(session.refreshToken);

    expect(next.refreshToken).toMatch(/^kyro_rt_/);
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(await sessionIdOf(next.accessToken)).toBe(sessionId);
    expect((await userMe(app.caller(next.accessToken))).user.id).toBe(session.user.id);

    const tokens = await app.database.db
      .select({ tokenHash: refreshTokens.tokenHash, rotatedAt: refreshTokens.rotatedAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.familyId, sessionId));
    expect(tokens).toHaveLength(2);
    expect(tokens.find((t) => t.tokenHash === hashOf(session.refreshToken))?.rotatedAt).toBeInstanceOf(Date);
    expect(tokens.find((t) => t.tokenHash === hashOf(next.refreshToken))?.rotatedAt).toBeNull();

    // The chain continues from the newest token.
    const third = await refresh(next.refreshToken);
    expect(await sessionIdOf(third.accessToken)).toBe(sessionId);
    expect(await auditRows(app, { action: "session.refreshed", actorId: session.user.id })).toHaveLength(2);
  });

  it("treats a rotated token coming back as theft: the whole session is revoked and audited", async () => {
    const session = await signup();
    const sessionId = await sessionIdOf(session.accessToken);
    const next = await refresh(session.refreshToken);

    const reuse = await failureOf(
      app.caller(null, { ip: "198.51.100.66" }).auth.refresh({ refreshToken: session.refreshToken }),
    );
    expect(reuse.code).toBe("UNAUTHORIZED");

    expect(await family(sessionId)).toMatchObject({
      revokedAt: expect.any(Date),
      revokedReason: "reuse_detected",
    });
    expect((await failureOf(refresh(next.refreshToken))).code).toBe("UNAUTHORIZED");
    expect((await failureOf(app.caller(next.accessToken).auth.me())).code).toBe("UNAUTHORIZED");
    expect((await failureOf(app.caller(session.accessToken).auth.me())).code).toBe("UNAUTHORIZED");

    expect(await auditRows(app, { action: "session.revoked", actorId: session.user.id })).toEqual([
      expect.objectContaining({
        orgId: null,
        resourceType: "session",
        resourceId: sessionId,
        ip: "198.51.100.66",
        diff: { before: null, after: { reason: "reuse_detected" } },
      }),
    ]);
  });

  it("lets exactly one of two concurrent exchanges of the same token win", async () => {
    const session = await signup();
    const results = await Promise.allSettled([refresh(session.refreshToken), refresh(session.refreshToken)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: { code: "UNAUTHORIZED" } });
    // The loser presented a token that had just been used: that is reuse.
    expect(await family(await sessionIdOf(session.accessToken))).toMatchObject({
      revokedReason: "reuse_detected",
    });
  });

  it("rejects an unknown token without touching any session", async () => {
    const session = await signup();
    const failure = await failureOf(refresh("kyro_rt_not-a-real-token"));
    expect(failure).toMatchObject({ code: "UNAUTHORIZED", message: "Invalid or expired refresh token" });
    expect(await family(await sessionIdOf(session.accessToken))).toMatchObject({ revokedAt: null });
    expect(await refresh(session.refreshToken)).toHaveProperty("accessToken");
  });

  it("rejects an expired token without treating it as reuse", async () => {
    const session = await signup();
    await app.database.db
      .update(refreshTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(refreshTokens.tokenHash, hashOf(session.refreshToken)));
    expect((await failureOf(refresh(session.refreshToken))).code).toBe("UNAUTHORIZED");
    expect(await family(await sessionIdOf(session.accessToken))).toMatchObject({ revokedAt: null });
  });

  it("rejects a token whose session expired or was revoked", async () => {
    const expired = await signup();
    await app.database.db
      .update(refreshTokenFamilies)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(refreshTokenFamilies.id, await sessionIdOf(expired.accessToken)));
    expect((await failureOf(refresh(expired.refreshToken))).code).toBe("UNAUTHORIZED");

    const revoked = await signup();
    await app.caller(revoked.accessToken).auth.logout({});
    expect((await failureOf(refresh(revoked.refreshToken))).code).toBe("UNAUTHORIZED");
    // Refused tokens are not consumed: the revocation reason stays the logout, not reuse.
    expect((await failureOf(refresh(revoked.refreshToken))).code).toBe("UNAUTHORIZED");
    expect(await family(await sessionIdOf(revoked.accessToken))).toMatchObject({ revokedReason: "logout" });
  });

  it("issues refresh tokens that expire after the configured number of days", async () => {
    const session = await signup();
    const [token] = await app.database.db
      .select({ createdAt: refreshTokens.createdAt, expiresAt: refreshTokens.expiresAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashOf(session.refreshToken)));
    const days = ((token?.expiresAt.getTime() ?? 0) - (token?.createdAt.getTime() ?? 0)) / 86_400_000;
    expect(days).toBeCloseTo(app.deps.settings.refreshTokenTtlDays, 1);
  });
});
