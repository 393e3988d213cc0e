import { apiKeys, eq, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_SCOPES, SCOPE_REACH } from "../../../src/core/policy";
import { auditRows, failureOf } from "../../auth-helpers";
import { eventsOf } from "../../conversations-fixtures";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

/** Issue #7 item 10 (a key restricted to a bot it may not name) and what a restricted key may hold. */

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;
let ownBot: string;
let deletedBot: string;
let foreignBot: string;

const owner = () => app.caller(org.owner.accessToken).apiKeys;

async function keyCount(orgId: string): Promise<number> {
  const [row] = await app.database.db
    .select({ count: sql<number>`count(*)::int` })
    .from(apiKeys)
    .where(eq(apiKeys.orgId, orgId));
  return row?.count ?? 0;
}

/** Nothing of a refused creation may remain: no key, no audit entry, no event. */
async function footprint() {
  return {
    keys: await keyCount(org.id),
    audited: (await auditRows(app, { action: "api_key.created" })).length,
    events: (await eventsOf(app, org.id, "api_key.created")).length,
  };
}

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Restriction");
  neighbour = await app.seedOrg("Restriction Neighbour");
  const bots = app.caller(org.owner.accessToken).bots;
  ownBot = (await bots.create({ orgId: org.id, name: "Own" })).bot.id;
  deletedBot = (await bots.create({ orgId: org.id, name: "Deleted" })).bot.id;
  await bots.delete({ orgId: org.id, botId: deletedBot });
  const theirs = app.caller(neighbour.owner.accessToken).bots;
  foreignBot = (await theirs.create({ orgId: neighbour.id, name: "Theirs" })).bot.id;
});
afterAll(async () => {
  await app?.close();
});

describe("apiKeys.create with a botId", () => {
  it.each([
    ["another org's bot", () => foreignBot],
    ["a bot that does not exist", () => "0190a0b0-0000-7000-8000-00000000dead"],
    ["a deleted bot", () => deletedBot],
  ])("answers 404 Bot not found for %s and writes nothing", async (_label, botOf) => {
    const before = await footprint();
    for (const caller of [owner(), app.caller(org.admin.accessToken).apiKeys]) {
      const failure = await failureOf(
        caller.create({ orgId: org.id, name: "probe", scopes: ["read:bots"], botId: botOf() }),
      );
      expect(failure).toMatchObject({ code: "NOT_FOUND", message: "Bot not found" });
    }
    expect(await footprint()).toEqual(before);
  });

  it("answers alike whether the bot exists elsewhere or nowhere, so bot ids cannot be probed", async () => {
    const create = (botId: string) =>
      failureOf(owner().create({ orgId: org.id, name: "probe", scopes: ["read:bots"], botId }));
    expect(await create(foreignBot)).toEqual(await create("0190a0b0-0000-7000-8000-00000000beef"));
  });

  it("accepts a live bot of the org", async () => {
    const created = await owner().create({
      orgId: org.id,
      name: "own",
      scopes: ["read:bots"],
      botId: ownBot,
    });
    expect(created.apiKey).toMatchObject({ botId: ownBot, scopes: ["read:bots"] });
  });

  it("refuses every org-wide scope on a restricted key with a 400 naming it, and accepts every bot scope", async () => {
    const orgWide = API_KEY_SCOPES.filter((scope) => SCOPE_REACH[scope] === "org");
    const botScoped = API_KEY_SCOPES.filter((scope) => SCOPE_REACH[scope] === "bot");
    expect(orgWide).toContain("admin:org");
    const before = await footprint();
    for (const scope of orgWide) {
      const failure = await failureOf(
        owner().create({ orgId: org.id, name: "wide", scopes: ["read:bots", scope], botId: ownBot }),
      );
      expect(failure.code, scope).toBe("BAD_REQUEST");
      expect(failure.details?.issues, scope).toEqual([
        {
          path: "scopes",
          code: "custom",
          message: `A key restricted to one bot cannot hold org-wide scopes: ${scope}`,
        },
      ]);
    }
    expect(await footprint()).toEqual(before);
    const unrestricted = await owner().create({ orgId: org.id, name: "wide", scopes: orgWide });
    expect(unrestricted.apiKey.scopes).toEqual(orgWide);
    const restricted = await owner().create({ orgId: org.id, name: "bot", scopes: botScoped, botId: ownBot });
    expect(restricted.apiKey.scopes).toEqual(botScoped);
  });
});

describe("a restricted key stored with an org-wide scope (before creation refused it)", () => {
  it("acts, shows and rotates with its bot scopes only", async () => {
    const legacy = await app.seedApiKey(org.id, { scopes: ["admin:org", "read:bots"], botId: ownBot });
    const me = await app.caller(legacy.key).auth.me();
    expect(me).toMatchObject({ kind: "apiKey", apiKey: { scopes: ["read:bots"], botId: ownBot } });
    const listed = (await owner().list({ orgId: org.id })).items.find((item) => item.id === legacy.id);
    expect(listed).toMatchObject({ scopes: ["read:bots"], botId: ownBot });
    expect((await failureOf(app.caller(legacy.key).orgs.get({ orgId: org.id }))).code).toBe("FORBIDDEN");

    // Rotation is the answer to a leak, so it is never refused; the new secret stays confined.
    const rotated = await owner().rotate({ orgId: org.id, keyId: legacy.id });
    expect(rotated.apiKey).toMatchObject({ scopes: ["read:bots"], botId: ownBot });
    const bots = await app.caller(rotated.key).bots.list({ orgId: org.id });
    expect(bots.items.map((bot) => bot.id)).toEqual([ownBot]);
  });
});
