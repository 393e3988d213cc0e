import { eq, widgetSettings } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_WIDGET_SETTINGS } from "../../../src/domains/widget/settings";
import { auditRows, failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;

beforeAll(async () => {
  app = await createTestApp({ settings: { publicUrl: "https://chat.example.test/" } });
  org = await app.seedOrg("Widget");
  neighbour = await app.seedOrg("Widget Neighbour");
});
afterAll(async () => {
  await app?.close();
});

const widget = (token = org.admin.accessToken) => app.caller(token).widget;
const newBot = async (target = org, name = "Widget bot") =>
  (await app.caller(target.owner.accessToken).bots.create({ orgId: target.id, name })).bot;

describe("widget settings: levels and merge", () => {
  it("starts from the built-in defaults, every field from `default`", async () => {
    const fresh = await app.seedOrg("Fresh");
    const result = await widget(fresh.viewer.accessToken).getOrgDefaults({ orgId: fresh.id });
    expect(result.settings).toEqual({});
    expect(result.effective).toEqual(DEFAULT_WIDGET_SETTINGS);
    expect(new Set(Object.values(result.sources))).toEqual(new Set(["default"]));
  });

  it("merges bot overrides over org defaults over built-ins, naming each field's source", async () => {
    const bot = await newBot();
    await widget().setOrgDefaults({
      orgId: org.id,
      settings: {
        primaryColor: "#FF0000",
        launcherText: "Ask us",
        allowedDomains: ["Example.com", "*.example.com"],
      },
    });
    await widget().set({
      orgId: org.id,
      botId: bot.id,
      settings: { primaryColor: "#00ff00", position: "bottom-left", hidePoweredBy: true },
    });
    const result = await widget(org.viewer.accessToken).get({ orgId: org.id, botId: bot.id });
    expect(result.overrides).toEqual({
      primaryColor: "#00ff00",
      position: "bottom-left",
      hidePoweredBy: true,
    });
    expect(result.effective).toEqual({
      ...DEFAULT_WIDGET_SETTINGS,
      primaryColor: "#00ff00",
      position: "bottom-left",
      hidePoweredBy: true,
      launcherText: "Ask us",
      allowedDomains: ["example.com", "*.example.com"],
    });
    expect(result.sources).toMatchObject({
      primaryColor: "bot",
      position: "bot",
      hidePoweredBy: "bot",
      launcherText: "org",
      allowedDomains: "org",
      textColor: "default",
      logoUrl: "default",
      allowAnyOrigin: "default",
    });

    // Another bot of the org sees only the org defaults.
    const plain = await newBot(org, "Plain");
    const other = await widget().get({ orgId: org.id, botId: plain.id });
    expect(other.effective.primaryColor).toBe("#ff0000");
    expect(other.sources.primaryColor).toBe("org");

    // A bot's allowlist replaces the org's rather than adding to it.
    await widget().set({ orgId: org.id, botId: bot.id, settings: { allowedDomains: ["shop.test"] } });
    const replaced = await widget().get({ orgId: org.id, botId: bot.id });
    expect(replaced.effective.allowedDomains).toEqual(["shop.test"]);
    expect(replaced.sources.allowedDomains).toBe("bot");
  });

  it("keeps fields not mentioned and clears a field back to inherit with null", async () => {
    const bot = await newBot();
    await widget().set({
      orgId: org.id,
      botId: bot.id,
      settings: { launcherText: "Bot text", textColor: "#123" },
    });
    await widget().set({ orgId: org.id, botId: bot.id, settings: { textColor: "#456" } });
    let result = await widget().get({ orgId: org.id, botId: bot.id });
    expect(result.overrides).toEqual({ launcherText: "Bot text", textColor: "#456" });
    await widget().set({ orgId: org.id, botId: bot.id, settings: { launcherText: null } });
    result = await widget().get({ orgId: org.id, botId: bot.id });
    expect(result.overrides).toEqual({ textColor: "#456" });
    expect(result.sources.launcherText).not.toBe("bot");
    const [row] = await app.database.db
      .select({ settings: widgetSettings.settings })
      .from(widgetSettings)
      .where(eq(widgetSettings.botId, bot.id));
    expect(row?.settings).toEqual({ textColor: "#456" });
  });

  it("audits changes with only the changed fields, and no-op writes not at all", async () => {
    const bot = await newBot();
    await widget().set({
      orgId: org.id,
      botId: bot.id,
      settings: { logoUrl: "https://cdn.example.test/logo.png" },
    });
    await widget().set({
      orgId: org.id,
      botId: bot.id,
      settings: { logoUrl: "https://cdn.example.test/logo.png" },
    });
    const events = (await auditRows(app, { action: "widget.bot_settings_updated" })).filter(
      (row) => row.resourceId === bot.id,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.diff).toEqual({
      before: { logoUrl: null },
      after: { logoUrl: "https://cdn.example.test/logo.png" },
    });
    const orgEvents = await auditRows(app, { action: "widget.org_defaults_updated" });
    expect(orgEvents.some((row) => row.orgId === org.id && row.actorId === org.admin.id)).toBe(true);
  });
});

describe("widget settings: validation", () => {
  it("normalizes allowedDomains (lower-case, punycode, deduplicated)", async () => {
    const bot = await newBot();
    const result = await widget().set({
      orgId: org.id,
      botId: bot.id,
      settings: {
        allowedDomains: ["Shop.Example.com", "shop.example.com/", "bücher.de", "https://App.test:443"],
      },
    });
    expect(result.overrides.allowedDomains).toEqual([
      "shop.example.com",
      "xn--bcher-kva.de",
      "https://app.test",
    ]);
  });

  it("refuses bad values with a clear issue per field and stores nothing", async () => {
    const bot = await newBot();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ allowedDomains: ["*"] }, /allowAnyOrigin/],
      [{ allowedDomains: ["ok.test", "*.com"] }, /registered domain/],
      [{ allowedDomains: ["https://example.com/page"] }, /path/],
      [{ primaryColor: "red" }, /hex colour/],
      [{ primaryColor: "#12345" }, /hex colour/],
      [{ logoUrl: "http://cdn.example.test/logo.png" }, /https/],
      [{ logoUrl: "javascript:alert(1)" }, /https/],
      [{ position: "top-left" }, /./],
      [{ allowAnyOrigin: true }, /allowAnyOrigin|Unrecognized/i],
    ];
    for (const [settings, message] of cases) {
      const failure = await failureOf(
        widget().set({ orgId: org.id, botId: bot.id, settings } as Parameters<
          ReturnType<typeof widget>["set"]
        >[0]),
      );
      expect(failure.code, JSON.stringify(settings)).toBe("BAD_REQUEST");
      expect(JSON.stringify(failure.details), JSON.stringify(settings)).toMatch(message);
    }
    const issues = (
      await failureOf(
        widget().set({ orgId: org.id, botId: bot.id, settings: { allowedDomains: ["ok.test", "*"] } }),
      )
    ).details?.issues as { path: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(["settings.allowedDomains.1"]);
    expect((await widget().get({ orgId: org.id, botId: bot.id })).overrides).toEqual({});
  });

  it("accepts allowAnyOrigin at org level only", async () => {
    const other = await app.seedOrg("Any origin");
    const result = await widget(other.owner.accessToken).setOrgDefaults({
      orgId: other.id,
      settings: { allowAnyOrigin: true },
    });
    expect(result.effective.allowAnyOrigin).toBe(true);
    expect(result.sources.allowAnyOrigin).toBe("org");
    const cleared = await widget(other.owner.accessToken).setOrgDefaults({
      orgId: other.id,
      settings: { allowAnyOrigin: null },
    });
    expect(cleared.settings).toEqual({});
    expect(cleared.effective.allowAnyOrigin).toBe(false);
  });
});

describe("widget settings: authorization", () => {
  it("lets viewers read and refuses their writes (403)", async () => {
    const bot = await newBot();
    const viewer = widget(org.viewer.accessToken);
    await viewer.getOrgDefaults({ orgId: org.id });
    await viewer.get({ orgId: org.id, botId: bot.id });
    await viewer.preview({ orgId: org.id, botId: bot.id });
    for (const call of [
      () => viewer.setOrgDefaults({ orgId: org.id, settings: { launcherText: "x" } }),
      () => viewer.set({ orgId: org.id, botId: bot.id, settings: { launcherText: "x" } }),
      () =>
        widget(org.agent.accessToken).set({ orgId: org.id, botId: bot.id, settings: { launcherText: "x" } }),
    ]) {
      expect((await failureOf(call())).code).toBe("FORBIDDEN");
    }
    expect((await failureOf(app.caller().widget.getOrgDefaults({ orgId: org.id }))).code).toBe(
      "UNAUTHORIZED",
    );
  });

  it("answers 404 for another org's bot, a deleted bot, and another bot than a restricted key's", async () => {
    const theirs = await newBot(neighbour, "Theirs");
    const mine = await newBot();
    const deleted = await newBot(org, "Deleted");
    await app.caller(org.owner.accessToken).bots.delete({ orgId: org.id, botId: deleted.id });
    const key = await app.seedApiKey(org.id, { scopes: ["write:bots"], botId: mine.id });
    const restricted = app.caller(key.key).widget;
    for (const call of [
      () => widget().get({ orgId: org.id, botId: theirs.id }),
      () => widget().set({ orgId: org.id, botId: theirs.id, settings: { launcherText: "x" } }),
      () => widget().preview({ orgId: org.id, botId: theirs.id }),
      () => widget().get({ orgId: org.id, botId: deleted.id }),
      () => widget().set({ orgId: org.id, botId: deleted.id, settings: { launcherText: "x" } }),
      () => restricted.get({ orgId: org.id, botId: deleted.id }),
      () => restricted.set({ orgId: org.id, botId: theirs.id, settings: { launcherText: "x" } }),
    ]) {
      expect((await failureOf(call())).code).toBe("NOT_FOUND");
    }
    const own = await restricted.set({
      orgId: org.id,
      botId: mine.id,
      settings: { launcherText: "Key text" },
    });
    expect(own.overrides).toEqual({ launcherText: "Key text" });
    await restricted.getOrgDefaults({ orgId: org.id });
    const orgWide = await failureOf(
      restricted.setOrgDefaults({ orgId: org.id, settings: { launcherText: "x" } }),
    );
    expect(orgWide.code).toBe("FORBIDDEN");
  });
});

describe("widget preview", () => {
  it("returns the effective settings and an embed snippet with the bot id and public URL", async () => {
    const bot = await newBot();
    const preview = await widget(org.viewer.accessToken).preview({ orgId: org.id, botId: bot.id });
    expect(preview.scriptUrl).toBe("https://chat.example.test/widget.js");
    expect(preview.embedSnippet).toBe(
      `<script src="https://chat.example.test/widget.js" data-bot-id="${bot.id}" data-api-url="https://chat.example.test/api/v1" async></script>`,
    );
    expect(preview.effective).toEqual((await widget().get({ orgId: org.id, botId: bot.id })).effective);
  });
});
