import { TEST_PASSWORD } from "@kyro/api/testing";
import { eq, refreshTokenFamilies } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/** Per-IP limits and login throttles key on the client address; behind a proxy it comes from X-Forwarded-For. */
async function login(server: TestServer, email: string, password: string, forwardedFor: string) {
  const res = await fetch(`${server.url}/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ json: { email, password } }),
  });
  return res.status;
}

async function failTenTimes(server: TestServer, email: string, forwardedFor: (attempt: number) => string) {
  for (let attempt = 0; attempt < 10; attempt++) {
    expect(await login(server, email, "not-the-password-123", forwardedFor(attempt))).toBe(401);
  }
}

describe("behind a trusted proxy (KYRO_TRUSTED_PROXIES=loopback)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ trustedProxies: ["loopback"] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("throttles the attacker's forwarded address, not the account's owner elsewhere", async () => {
    const user = await server.app.seedUser();
    await failTenTimes(server, user.email, () => "203.0.113.10");
    expect(await login(server, user.email, TEST_PASSWORD, "203.0.113.10")).toBe(429);
    expect(await login(server, user.email, TEST_PASSWORD, "198.51.100.20")).toBe(200);

    const sessions = await server.app.database.db
      .select({ ip: refreshTokenFamilies.ip })
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.userId, user.id));
    expect(sessions.map((session) => session.ip)).toContain("198.51.100.20");
  });

  it("takes the nearest untrusted hop, so a client cannot spoof past the proxy", async () => {
    const user = await server.app.seedUser();
    // The client sends its own X-Forwarded-For; the proxy appends the address it saw.
    await failTenTimes(server, user.email, (attempt) => `10.9.${attempt}.1, 203.0.113.30`);
    expect(await login(server, user.email, TEST_PASSWORD, "192.0.2.99, 203.0.113.30")).toBe(429);
  });
});

describe("without trusted proxies (the default)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("ignores X-Forwarded-For: the peer address is the client", async () => {
    const user = await server.app.seedUser();
    await failTenTimes(server, user.email, (attempt) => `203.0.113.${attempt + 40}`);
    expect(await login(server, user.email, TEST_PASSWORD, "198.51.100.21")).toBe(429);
  });
});
