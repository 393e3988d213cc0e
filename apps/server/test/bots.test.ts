import type { SeededOrg } from "@kyro/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

interface Envelope {
  error: { code: string; message: string; requestId: string; details: Record<string, unknown> | null };
}
interface BotJson {
  id: string;
  name: string;
  status: string;
  config: Record<string, unknown>;
  currentVersionId: string | null;
  currentVersion: number | null;
  createdAt: string;
  deletedAt: string | null;
}

let server: TestServer;
let org: SeededOrg;
let other: SeededOrg;
let writeKey: string;
let readKey: string;

beforeAll(async () => {
  server = await startTestServer({ settings: { publicUrl: "https://kyro.example.test" } });
  org = await server.app.seedOrg("Rest bots");
  other = await server.app.seedOrg("Rest bots other");
  writeKey = (await server.app.seedApiKey(org.id, { scopes: ["write:bots"] })).key;
  readKey = (await server.app.seedApiKey(org.id, { scopes: ["read:bots"] })).key;
});
afterAll(async () => {
  await server?.close();
});

const api = (path: string, query: Record<string, string> = {}) => {
  const text = new URLSearchParams(query).toString();
  return `${server.url}/api/v1${path}${text ? `?${text}` : ""}`;
};
const get = (token: string, path: string, query?: Record<string, string>) =>
  fetch(api(path, query), { headers: { authorization: `Bearer ${token}` } });
const send = (method: string, token: string, path: string, body?: unknown) =>
  fetch(api(path), {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const post = (token: string, path: string, body: unknown = {}) => send("POST", token, path, body);

async function expectEnvelope(res: Response, status: number, code: string): Promise<Envelope> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Envelope;
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

let lastLocation: string | null = null;

async function created(res: Response): Promise<BotJson> {
  expect(res.status).toBe(201);
  lastLocation = res.headers.get("location");
  return ((await res.json()) as { bot: BotJson }).bot;
}

describe("REST /api/v1/bots with an API key", () => {
  it("creates (201), lists, gets and updates a bot without sending orgId", async () => {
    const bot = await created(
      await post(writeKey, "/bots", { name: "Rest bot", templateId: "faq", config: { language: "pt-BR" } }),
    );
    expect(bot).toMatchObject({ name: "Rest bot", status: "draft", currentVersionId: null });
    expect(lastLocation).toBe(`/api/v1/bots/${bot.id}`);
    expect(bot.config).toMatchObject({ language: "pt-BR" });
    expect(new Date(bot.createdAt).toISOString()).toBe(bot.createdAt);

    const listRes = await get(readKey, "/bots", { limit: "10" });
    expect(listRes.status).toBe(200);
    const list = (await listRes.json()) as { items: BotJson[]; nextCursor: string | null };
    expect(list.items.map((item) => item.id)).toContain(bot.id);
    expect(JSON.stringify(list)).not.toMatch(/kyro_id_|identitySecret/);

    const getRes = await get(readKey, `/bots/${bot.id}`);
    expect(getRes.status).toBe(200);
    expect(((await getRes.json()) as { bot: BotJson }).bot.name).toBe("Rest bot");

    const updateRes = await send("PATCH", writeKey, `/bots/${bot.id}`, {
      status: "active",
      config: { welcomeMessage: "Olá!" },
    });
    expect(updateRes.status).toBe(200);
    const updated = ((await updateRes.json()) as { bot: BotJson }).bot;
    expect(updated).toMatchObject({
      status: "active",
      config: { welcomeMessage: "Olá!", language: "pt-BR" },
    });
    expect(updateRes.headers.get("deprecation")).toBeNull();
    await expectEnvelope(await send("PATCH", writeKey, `/bots/${bot.id}`, {}), 400, "BAD_REQUEST");
  });

  it("still serves the v0 update and delete routes, deprecated with a sunset date", async () => {
    const bot = await created(await post(writeKey, "/bots", { name: "Old routes" }));
    const updated = await post(writeKey, `/bots/${bot.id}`, { name: "Old routes 2" });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as { bot: BotJson }).bot.name).toBe("Old routes 2");
    expect(updated.headers.get("deprecation")).toMatch(/^@\d+$/);
    expect(updated.headers.get("sunset")).toBe("Wed, 30 Jun 2027 00:00:00 GMT");
    expect(updated.headers.get("link")).toBe(`</api/v1/bots/{botId}>; rel="successor-version"`);
    const deleted = await post(writeKey, `/bots/${bot.id}/delete`);
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get("sunset")).toBe("Wed, 30 Jun 2027 00:00:00 GMT");
    expect(((await deleted.json()) as { bot: BotJson }).bot.deletedAt).not.toBeNull();
  });

  it("publishes, lists versions, restores a version, and deletes and restores the bot", async () => {
    const bot = await created(
      await post(writeKey, "/bots", { name: "Lifecycle", config: { welcomeMessage: "one" } }),
    );
    const published = await post(writeKey, `/bots/${bot.id}/publish`);
    expect(published.status).toBe(200);
    const first = ((await published.json()) as { version: { id: string; version: number } }).version;
    expect(first.version).toBe(1);
    await send("PATCH", writeKey, `/bots/${bot.id}`, { config: { welcomeMessage: "two" } });
    await post(writeKey, `/bots/${bot.id}/publish`);
    const versions = (await (await get(readKey, `/bots/${bot.id}/versions`)).json()) as {
      items: { version: number; current: boolean }[];
    };
    expect(versions.items.map((version) => [version.version, version.current])).toEqual([
      [2, true],
      [1, false],
    ]);
    const restoredVersion = await post(writeKey, `/bots/${bot.id}/versions/${first.id}/restore`);
    expect(restoredVersion.status).toBe(200);
    expect(((await restoredVersion.json()) as { bot: BotJson }).bot).toMatchObject({
      currentVersion: 1,
      config: { welcomeMessage: "one" },
    });

    const live = await expectEnvelope(await post(writeKey, `/bots/${bot.id}/restore`), 409, "CONFLICT");
    expect(live.error.details).toEqual({ reason: "not_deleted" });
    const deleted = await send("DELETE", writeKey, `/bots/${bot.id}`);
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as { bot: BotJson }).bot.deletedAt).not.toBeNull();
    await expectEnvelope(await get(readKey, `/bots/${bot.id}`), 404, "NOT_FOUND");
    const withDeleted = (await (await get(writeKey, "/bots", { includeDeleted: "true" })).json()) as {
      items: BotJson[];
    };
    expect(withDeleted.items.find((item) => item.id === bot.id)?.deletedAt).not.toBeNull();
    await expectEnvelope(await get(readKey, "/bots", { includeDeleted: "true" }), 403, "FORBIDDEN");
    expect((await post(writeKey, `/bots/${bot.id}/restore`)).status).toBe(200);
    expect((await get(readKey, `/bots/${bot.id}`)).status).toBe(200);

    const clone = await created(await post(writeKey, `/bots/${bot.id}/clone`, { name: "Lifecycle 2" }));
    expect(clone.name).toBe("Lifecycle 2");
  });

  it("serves the identity secret and its rotation to write keys only", async () => {
    const bot = await created(await post(writeKey, "/bots", { name: "Secretive" }));
    const res = await get(writeKey, `/bots/${bot.id}/identity-secret`);
    expect(res.status).toBe(200);
    const { secret } = (await res.json()) as { secret: string };
    expect(secret).toMatch(/^kyro_id_/);
    await expectEnvelope(await get(readKey, `/bots/${bot.id}/identity-secret`), 403, "FORBIDDEN");
    const rotated = (await (await post(writeKey, `/bots/${bot.id}/identity-secret/rotate`)).json()) as {
      secret: string;
    };
    expect(rotated.secret).not.toBe(secret);
  });

  it("answers 403 to a read-only key's writes, 404 for another org's bot, 400 for bad input, 401 without a key", async () => {
    await expectEnvelope(await post(readKey, "/bots", { name: "Nope" }), 403, "FORBIDDEN");
    const theirs = (
      await server.app.caller(other.owner.accessToken).bots.create({ orgId: other.id, name: "Theirs" })
    ).bot;
    await expectEnvelope(await get(writeKey, `/bots/${theirs.id}`), 404, "NOT_FOUND");
    await expectEnvelope(
      await send("PATCH", writeKey, `/bots/${theirs.id}`, { name: "Mine" }),
      404,
      "NOT_FOUND",
    );
    await expectEnvelope(await get(writeKey, "/bots", { orgId: other.id }), 404, "NOT_FOUND");
    const bad = await expectEnvelope(
      await post(writeKey, "/bots", {
        name: "Bad",
        config: { businessHours: { timezone: "Nowhere/Land", ranges: [] } },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(JSON.stringify(bad.error.details)).toMatch(/time zone/);
    await expectEnvelope(await get(writeKey, "/bots/not-a-uuid"), 400, "BAD_REQUEST");
    await expectEnvelope(await fetch(api("/bots")), 401, "UNAUTHORIZED");
  });

  it("lists only its bot to a bot-restricted key and refuses it other bots (404) and creation (403)", async () => {
    const mine = await created(await post(writeKey, "/bots", { name: "Restricted target" }));
    const another = await created(await post(writeKey, "/bots", { name: "Another" }));
    const restricted = (await server.app.seedApiKey(org.id, { scopes: ["write:bots"], botId: mine.id })).key;
    const list = (await (await get(restricted, "/bots")).json()) as { items: BotJson[] };
    expect(list.items.map((item) => item.id)).toEqual([mine.id]);
    await expectEnvelope(await get(restricted, `/bots/${another.id}`), 404, "NOT_FOUND");
    await expectEnvelope(await get(restricted, `/bots/${another.id}/widget`), 404, "NOT_FOUND");
    await expectEnvelope(await post(restricted, "/bots", { name: "More" }), 403, "FORBIDDEN");
  });

  it("works with a member's access token when orgId is given", async () => {
    const res = await get(org.viewer.accessToken, "/bots", { orgId: org.id });
    expect(res.status).toBe(200);
    await expectEnvelope(await get(org.viewer.accessToken, "/bots"), 400, "BAD_REQUEST");
    await expectEnvelope(
      await post(org.viewer.accessToken, "/bots", { orgId: org.id, name: "x" }),
      403,
      "FORBIDDEN",
    );
  });
});

describe("REST widget settings", () => {
  it("sets org defaults and bot overrides, reads the merge and the preview", async () => {
    const bot = await created(await post(writeKey, "/bots", { name: "Styled" }));
    const defaults = await post(writeKey, "/widget/defaults", {
      settings: { primaryColor: "#112233", allowedDomains: ["Shop.Example.com"] },
    });
    expect(defaults.status).toBe(200);
    expect(((await defaults.json()) as { settings: Record<string, unknown> }).settings).toEqual({
      primaryColor: "#112233",
      allowedDomains: ["shop.example.com"],
    });
    expect((await get(readKey, "/widget/defaults")).status).toBe(200);
    const set = await post(writeKey, `/bots/${bot.id}/widget`, { settings: { position: "bottom-left" } });
    expect(set.status).toBe(200);
    const view = (await (await get(readKey, `/bots/${bot.id}/widget`)).json()) as {
      effective: Record<string, unknown>;
      sources: Record<string, string>;
    };
    expect(view.effective).toMatchObject({ primaryColor: "#112233", position: "bottom-left" });
    expect(view.sources).toMatchObject({ primaryColor: "org", position: "bot", textColor: "default" });
    const preview = (await (await get(readKey, `/bots/${bot.id}/widget/preview`)).json()) as {
      embedSnippet: string;
    };
    expect(preview.embedSnippet).toContain(`data-bot-id="${bot.id}"`);
    expect(preview.embedSnippet).toContain('src="https://kyro.example.test/widget.js"');
    const bad = await expectEnvelope(
      await post(writeKey, `/bots/${bot.id}/widget`, { settings: { allowedDomains: ["*"] } }),
      400,
      "BAD_REQUEST",
    );
    expect(JSON.stringify(bad.error.details)).toMatch(/allowAnyOrigin/);
    await expectEnvelope(
      await post(readKey, `/bots/${bot.id}/widget`, { settings: { position: "bottom-right" } }),
      403,
      "FORBIDDEN",
    );
  });
});
