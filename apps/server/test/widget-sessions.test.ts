import { createHmac } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let org: SeededOrg;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Widget HTTP");
  await server.app.caller(org.owner.accessToken).widget.setOrgDefaults({
    orgId: org.id,
    settings: { allowedDomains: ["https://shop.example.com", "*.example.net"] },
  });
});
afterAll(async () => {
  await server?.close();
});

const openSession = (botId: string, origin: string | null, body: Record<string, unknown> = {}) =>
  fetch(`${server.url}/api/v1/widget/${botId}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(origin ? { origin } : {}) },
    body: JSON.stringify(body),
  });

async function newBot(config: Record<string, unknown> = {}) {
  return (
    await server.app.caller(org.owner.accessToken).bots.create({ orgId: org.id, name: "Embedded", config })
  ).bot;
}

describe("POST /api/v1/widget/{botId}/sessions", () => {
  it("opens a session without an API key from an allowed origin (201)", async () => {
    const bot = await newBot({ welcomeMessage: "Hello, visitor" });
    const res = await openSession(bot.id, "https://shop.example.com");
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ botId: bot.id, welcomeMessage: "Hello, visitor", endUserId: null });
    expect(typeof body.token).toBe("string");
    expect(new Date(body.expiresAt as string).getTime()).toBeGreaterThan(Date.now());
    expect(body.settings).toMatchObject({ position: "bottom-right" });
    expect(JSON.stringify(body)).not.toMatch(/allowedDomains/);
    expect((await openSession(bot.id, "https://help.example.net")).status).toBe(201);
  });

  it("answers 403 for a foreign, wrong-scheme or missing origin and 404 for a deleted bot", async () => {
    const bot = await newBot();
    for (const origin of ["https://evil.test", "http://shop.example.com", null]) {
      const res = await openSession(bot.id, origin);
      expect(res.status, String(origin)).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    }
    await server.app.caller(org.owner.accessToken).bots.delete({ orgId: org.id, botId: bot.id });
    expect((await openSession(bot.id, "https://shop.example.com")).status).toBe(404);
  });

  it("verifies the visitor's identity: 401 when required and missing or wrong", async () => {
    const bot = await newBot({ requireIdentity: true });
    const { secret } = await server.app
      .caller(org.owner.accessToken)
      .bots.identitySecret({ orgId: org.id, botId: bot.id });
    expect((await openSession(bot.id, "https://shop.example.com")).status).toBe(401);
    const userHash = createHmac("sha256", secret).update("user-7").digest("hex");
    expect(
      (await openSession(bot.id, "https://shop.example.com", { userId: "user-8", userHash })).status,
    ).toBe(401);
    const ok = await openSession(bot.id, "https://shop.example.com", { userId: "user-7", userHash });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { endUserId: string }).endUserId).toBe("user-7");
  });

  // The document's dependentRequired: input invalid by it is 400 before any bot is looked up.
  it.each([{ userId: "user-7" }, { userHash: "ab".repeat(32) }])(
    "refuses %o alone with 400, for an unknown bot too",
    async (half) => {
      const bot = await newBot();
      for (const botId of [bot.id, "00000000-0000-4000-8000-000000000000"]) {
        const res = await openSession(botId, "https://shop.example.com", half);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({
          error: {
            details: { issues: [{ path: "userHash", message: "Send `userId` and `userHash` together" }] },
          },
        });
      }
    },
  );
});
