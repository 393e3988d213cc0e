import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

const OPERATOR = "ops-gov@example.test";

let server: TestServer;
let operatorToken: string;
beforeAll(async () => {
  server = await startTestServer({ settings: { platformAdmins: [OPERATOR] } });
  operatorToken = (await server.app.seedUser({ email: OPERATOR })).accessToken;
});
afterAll(async () => {
  await server?.close();
});

const call = (
  path: string,
  token: string | null,
  init: { method?: string; body?: unknown; origin?: string } = {},
) =>
  fetch(`${server.url}/api/v1${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.origin ? { origin: init.origin } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

async function reasonOf(res: Response): Promise<unknown> {
  const body = (await res.json()) as { error: { details: { reason?: string } } };
  return body.error.details.reason;
}

describe("operator governance over REST", () => {
  it("disables a user: the next request with their token is 401, sign-in refused", async () => {
    const user = await server.app.seedUser({ email: "gov-rest@example.test" });
    const list = await call("/admin/users?search=gov-rest", operatorToken);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([
      user.id,
    ]);
    expect((await call(`/admin/users/${user.id}`, operatorToken)).status).toBe(200);

    const disabled = await call(`/admin/users/${user.id}/disable`, operatorToken, {
      method: "POST",
      body: {},
    });
    expect(disabled.status).toBe(200);
    expect((await call("/me", user.accessToken)).status).toBe(401);
    // Sign-in is tRPC only; its refusal is covered in the api package's governance test.
    await expect(
      server.app.caller().auth.login({ email: user.email, password: user.password }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const again = await call(`/admin/users/${user.id}/disable`, operatorToken, { method: "POST", body: {} });
    expect(again.status).toBe(409);
    expect((await call(`/admin/users/${user.id}/enable`, operatorToken, { method: "POST" })).status).toBe(
      200,
    );
    for (const action of ["revoke-sessions", "force-password-reset"]) {
      expect(
        (await call(`/admin/users/${user.id}/${action}`, operatorToken, { method: "POST" })).status,
      ).toBe(200);
    }
  });

  it("answers 404 to a member and 401 without a token", async () => {
    const org = await server.app.seedOrg();
    expect((await call("/admin/users", org.owner.accessToken)).status).toBe(404);
    expect((await call("/admin/users", null)).status).toBe(401);
  });

  it("suspends an org: its key, member and widget get 403 org_suspended on the next request", async () => {
    const org = await server.app.seedOrg();
    const key = await server.app.seedApiKey(org.id, { scopes: ["read:bots"] });
    const owner = server.app.caller(org.owner.accessToken);
    const { bot } = await owner.bots.create({ orgId: org.id, name: "Desk", config: {} });
    await owner.widget.setOrgDefaults({ orgId: org.id, settings: { allowedDomains: ["shop.example.com"] } });
    const origin = "https://shop.example.com";
    expect((await call("/bots", key.key)).status).toBe(200);

    const suspend = await call(`/admin/orgs/${org.id}/suspend`, operatorToken, {
      method: "POST",
      body: { reason: "unpaid" },
    });
    expect(suspend.status).toBe(200);
    for (const res of [
      await call("/bots", key.key),
      await call(`/bots?orgId=${org.id}`, org.owner.accessToken),
      await call(`/widget/${bot.id}/sessions`, null, { method: "POST", body: {}, origin }),
    ]) {
      expect(res.status).toBe(403);
      expect(await reasonOf(res)).toBe("org_suspended");
    }
    const reinstate = await call(`/admin/orgs/${org.id}/reinstate`, operatorToken, { method: "POST" });
    expect(reinstate.status).toBe(200);
    expect((await call("/bots", key.key)).status).toBe(200);
  });
});
