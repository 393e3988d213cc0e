import { randomUUID } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/** The bot-restricted key confinement holds over REST, where the bot comes from the URL path. */

let server: TestServer;
let org: SeededOrg;
let ownBot: string;
let otherBot: string;
/** Stored with `admin:org` as keys were before creation refused it for a restricted key. */
let restrictedKey: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("REST Restricted");
  const bots = server.app.caller(org.owner.accessToken).bots;
  ownBot = (await bots.create({ orgId: org.id, name: "Own" })).bot.id;
  otherBot = (await bots.create({ orgId: org.id, name: "Other" })).bot.id;
  restrictedKey = (
    await server.app.seedApiKey(org.id, { scopes: ["admin:org", "write:bots"], botId: ownBot })
  ).key;
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string) =>
  fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${restrictedKey}` } });

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe("a bot-restricted key over REST", () => {
  it("reads its own bot and gets 404 for another bot named in the path", async () => {
    expect((await get(`/bots/${ownBot}`)).status).toBe(200);
    for (const path of [`/bots/${otherBot}`, `/bots/${otherBot}/knowledge`, `/bots/${otherBot}/widget`]) {
      expect(await errorOf(await get(path)), path).toEqual({
        status: 404,
        code: "NOT_FOUND",
        message: "Bot not found",
      });
    }
  });

  it("gets 403 for org-wide routes, webhook deliveries and the audit log included", async () => {
    for (const path of [
      `/webhooks/endpoints/${randomUUID()}/deliveries/${randomUUID()}`,
      "/audit-events",
      "/org",
    ]) {
      expect(await errorOf(await get(path)), path).toEqual({
        status: 403,
        code: "FORBIDDEN",
        message: "An API key restricted to one bot cannot call this operation",
      });
    }
  });

  it("sees only its own bot in GET /limits", async () => {
    const res = await get("/limits");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { bots: { botId: string }[] };
    expect(body.bots.map((bot) => bot.botId)).toEqual([ownBot]);
  });
});
