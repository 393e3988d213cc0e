import { widgetSettings } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeDomainPattern, originAllowed } from "../../../src/domains/widget/origins";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

/** Suffixes anyone can register under: ICANN ones, wildcard rules and private (hosting) ones. */
const PUBLIC_SUFFIXES = [
  "co.uk",
  "com.au",
  "gov.uk",
  "foo.kawasaki.jp", // under the `*.kawasaki.jp` rule
  "公司.cn",
  "github.io",
  "herokuapp.com",
  "s3.amazonaws.com",
  "blogspot.com",
];

describe("public suffixes in allowlist patterns", () => {
  const decorated = (host: string) => [
    `*.${host}`,
    `https://*.${host}`,
    `*.${host}:8443`,
    `*.${host.toUpperCase()}.`,
  ];

  it.each(PUBLIC_SUFFIXES)("refuses wildcards over %s in every spelling", (suffix) => {
    for (const pattern of decorated(suffix)) {
      expect(() => normalizeDomainPattern(pattern), pattern).toThrow(/public suffix/);
    }
  });

  it.each(["co.uk", "https://github.io", "com", "http://herokuapp.com:8080"])(
    "refuses the bare suffix %s as an exact origin",
    (pattern) => {
      expect(() => normalizeDomainPattern(pattern)).toThrow(/public suffix/);
    },
  );

  it.each([
    ["*.example.co.uk", "*.example.co.uk"],
    ["*.me.github.io", "*.me.github.io"],
    ["shop.example.co.uk", "shop.example.co.uk"],
    ["me.github.io", "me.github.io"],
    ["www.ck", "www.ck"], // an exception rule of the list: registrable
    ["http://localhost:3000", "http://localhost:3000"],
    ["*.example.test", "*.example.test"],
    ["*.shop.internal", "*.shop.internal"],
  ])("still accepts the registrable %s", (pattern, normalized) => {
    expect(normalizeDomainPattern(pattern)).toBe(normalized);
  });

  it("ignores such a pattern stored before the rule, and only it", () => {
    const rules = {
      allowedDomains: ["*.co.uk", "https://*.github.io", "co.uk", "*.example.co.uk"],
      allowAnyOrigin: false,
    };
    expect(originAllowed(rules, "https://evil.co.uk")).toBe(false);
    expect(originAllowed(rules, "https://attacker.github.io")).toBe(false);
    expect(originAllowed(rules, "https://co.uk")).toBe(false);
    expect(originAllowed(rules, "https://shop.example.co.uk")).toBe(true);
  });
});

describe("allowlists through the API", () => {
  let app: TestApp;
  let org: SeededOrg;

  beforeAll(async () => {
    app = await createTestApp();
    org = await app.seedOrg("Suffixes");
  });
  afterAll(async () => {
    await app?.close();
  });

  it("refuses a public-suffix wildcard with 400 naming the entry, and saves nothing", async () => {
    const widget = app.caller(org.owner.accessToken).widget;
    const failure = await failureOf(
      widget.setOrgDefaults({ orgId: org.id, settings: { allowedDomains: ["shop.example.com", "*.co.uk"] } }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(failure)).toContain("public suffix");
    expect((await widget.getOrgDefaults({ orgId: org.id })).settings).toEqual({});
  });

  it("drops stored public-suffix entries when reading, keeping the others and refusing their origins", async () => {
    const stored = await app.seedOrg("Stored suffixes");
    await app.database.db.insert(widgetSettings).values({
      orgId: stored.id,
      settings: { allowedDomains: ["*.github.io", "shop.example.com"] },
    });
    const owner = app.caller(stored.owner.accessToken);
    const view = await owner.widget.getOrgDefaults({ orgId: stored.id });
    expect(view.settings.allowedDomains).toEqual(["shop.example.com"]);
    const { bot } = await owner.bots.create({ orgId: stored.id, name: "Suffix bot" });
    const refused = await failureOf(
      app.caller(null, { origin: "https://attacker.github.io" }).widget.sessions.create({ botId: bot.id }),
    );
    expect(refused.code).toBe("FORBIDDEN");
    const allowed = await app
      .caller(null, { origin: "https://shop.example.com" })
      .widget.sessions.create({ botId: bot.id });
    expect(allowed.botId).toBe(bot.id);
  });
});
