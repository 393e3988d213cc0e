import { createHmac } from "node:crypto";
import { and, auditEvents, conversations, domainEvents, eq, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createContext, depsOf } from "../../../src/core/context";
import { requireWidgetSession } from "../../../src/domains/widget/session";
import { signWidgetSession, verifyWidgetSession } from "../../../src/domains/widget/session-token";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Sessions");
  await app.caller(org.owner.accessToken).widget.setOrgDefaults({
    orgId: org.id,
    settings: { allowedDomains: ["shop.example.com", "*.example.org"] },
  });
});
afterAll(async () => {
  await app?.close();
});

const owner = () => app.caller(org.owner.accessToken);
const visitor = (origin?: string, token?: string) =>
  app.caller(token ?? null, origin ? { origin } : {}).widget;
const SHOP = "https://shop.example.com";

async function newBot(config: Record<string, unknown> = {}, target = org) {
  const { bot } = await app
    .caller(target.owner.accessToken)
    .bots.create({ orgId: target.id, name: "Session bot", config });
  return bot;
}

async function conversationRow(id: string) {
  const [row] = await app.database.db
    .select({
      orgId: conversations.orgId,
      botId: conversations.botId,
      channel: conversations.channel,
      origin: conversations.origin,
      endUserId: conversations.endUserId,
      botVersionId: conversations.botVersionId,
    })
    .from(conversations)
    .where(eq(conversations.id, id));
  return row;
}

async function conversationCount(botId: string): Promise<number> {
  const [row] = await app.database.db
    .select({ count: sql<number>`count(*)::int` })
    .from(conversations)
    .where(eq(conversations.botId, botId));
  return row?.count ?? 0;
}

describe("widget.sessions.create: origins", () => {
  it("opens a session for an allowed origin: conversation, event, token, public settings", async () => {
    const bot = await newBot({ welcomeMessage: "Draft welcome" });
    const session = await visitor(SHOP).sessions.create({ botId: bot.id });
    expect(session).toMatchObject({ botId: bot.id, endUserId: null, welcomeMessage: "Draft welcome" });
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(Object.keys(session.settings).sort()).toEqual(
      [
        "backgroundColor",
        "hidePoweredBy",
        "launcherText",
        "logoUrl",
        "position",
        "primaryColor",
        "textColor",
      ].sort(),
    );
    expect(JSON.stringify(session)).not.toMatch(/allowedDomains|example\.org|kyro_id_/);
    expect(await conversationRow(session.conversationId)).toEqual({
      orgId: org.id,
      botId: bot.id,
      channel: "widget",
      origin: SHOP,
      endUserId: null,
      botVersionId: null,
    });
    const claims = await verifyWidgetSession(app.deps.hmacKeys.widgetSession, session.token);
    expect(claims).toEqual({
      orgId: org.id,
      botId: bot.id,
      conversationId: session.conversationId,
      origin: SHOP,
      endUserId: null,
    });
    const events = await app.database.db
      .select({ data: domainEvents.data })
      .from(domainEvents)
      .where(and(eq(domainEvents.orgId, org.id), eq(domainEvents.type, "conversation.created")));
    expect(events.map((event) => event.data)).toContainEqual({
      conversationId: session.conversationId,
      botId: bot.id,
      channel: "widget",
      endUserId: null,
    });
    const audits = await app.database.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, session.conversationId));
    expect(audits).toEqual([]);
  });

  it("uses the published version for the welcome message and records it on the conversation", async () => {
    const bot = await newBot({ welcomeMessage: "Published welcome" });
    const { version } = await owner().bots.publish({ orgId: org.id, botId: bot.id });
    await owner().bots.update({
      orgId: org.id,
      botId: bot.id,
      config: { welcomeMessage: "Unpublished draft" },
    });
    const session = await visitor(SHOP).sessions.create({ botId: bot.id });
    expect(session.welcomeMessage).toBe("Published welcome");
    expect((await conversationRow(session.conversationId))?.botVersionId).toBe(version.id);
  });

  it("accepts wildcard subdomains and refuses foreign, bare-domain and missing origins (403)", async () => {
    const bot = await newBot();
    await visitor("https://help.example.org").sessions.create({ botId: bot.id });
    await visitor("https://a.b.example.org").sessions.create({ botId: bot.id });
    const before = await conversationCount(bot.id);
    for (const origin of [
      "https://evil.test",
      "https://example.org",
      "https://shop.example.com.evil.test",
      "null",
    ]) {
      const failure = await failureOf(visitor(origin).sessions.create({ botId: bot.id }));
      expect(failure.code, origin).toBe("FORBIDDEN");
    }
    expect((await failureOf(visitor().sessions.create({ botId: bot.id }))).code).toBe("FORBIDDEN");
    expect(await conversationCount(bot.id)).toBe(before);
  });

  it("refuses every origin while the allowlist is empty, unless the org allows any origin", async () => {
    const open = await app.seedOrg("Open");
    const bot = await newBot({}, open);
    expect((await failureOf(visitor(SHOP).sessions.create({ botId: bot.id }))).code).toBe("FORBIDDEN");
    await app
      .caller(open.owner.accessToken)
      .widget.setOrgDefaults({ orgId: open.id, settings: { allowAnyOrigin: true } });
    const withOrigin = await visitor("https://anywhere.test").sessions.create({ botId: bot.id });
    expect((await conversationRow(withOrigin.conversationId))?.origin).toBe("https://anywhere.test");
    const withoutOrigin = await visitor().sessions.create({ botId: bot.id });
    expect(
      (await verifyWidgetSession(app.deps.hmacKeys.widgetSession, withoutOrigin.token))?.origin,
    ).toBeNull();
  });

  it("lets a bot's own allowlist replace the org's", async () => {
    const bot = await newBot();
    await owner().widget.set({
      orgId: org.id,
      botId: bot.id,
      settings: { allowedDomains: ["https://bot-only.test"] },
    });
    await visitor("https://bot-only.test").sessions.create({ botId: bot.id });
    expect((await failureOf(visitor(SHOP).sessions.create({ botId: bot.id }))).code).toBe("FORBIDDEN");
    expect((await failureOf(visitor("http://bot-only.test").sessions.create({ botId: bot.id }))).code).toBe(
      "FORBIDDEN",
    );
  });
});

describe("widget.sessions.create: bots that cannot be reached", () => {
  it("answers 404 for deleted, paused and unknown bots; draft and active bots open sessions", async () => {
    const deleted = await newBot();
    await owner().bots.delete({ orgId: org.id, botId: deleted.id });
    const paused = await newBot();
    await owner().bots.update({ orgId: org.id, botId: paused.id, status: "paused" });
    for (const botId of [deleted.id, paused.id, "01936d4e-0000-7000-8000-000000000000"]) {
      expect((await failureOf(visitor(SHOP).sessions.create({ botId }))).code).toBe("NOT_FOUND");
    }
    const active = await newBot();
    await owner().bots.update({ orgId: org.id, botId: active.id, status: "active" });
    await visitor(SHOP).sessions.create({ botId: active.id });
  });
});

describe("widget.sessions.create: identity", () => {
  const hashOf = (secret: string, userId: string) =>
    createHmac("sha256", secret).update(userId).digest("hex");

  it("verifies userId + userHash against the bot's identity secret", async () => {
    const bot = await newBot();
    const { secret } = await owner().bots.identitySecret({ orgId: org.id, botId: bot.id });
    const session = await visitor(SHOP).sessions.create({
      botId: bot.id,
      userId: "customer-42",
      userHash: hashOf(secret, "customer-42").toUpperCase(),
    });
    expect(session.endUserId).toBe("customer-42");
    expect((await conversationRow(session.conversationId))?.endUserId).toBe("customer-42");
    expect((await verifyWidgetSession(app.deps.hmacKeys.widgetSession, session.token))?.endUserId).toBe(
      "customer-42",
    );
    const wrong = [
      { userId: "customer-43", userHash: hashOf(secret, "customer-42") },
      { userId: "customer-42", userHash: hashOf("another-secret", "customer-42") },
      { userId: "customer-42", userHash: "zz" },
      { userId: "customer-42", userHash: hashOf(secret, "customer-42").slice(0, 62) },
    ];
    for (const identity of wrong) {
      expect((await failureOf(visitor(SHOP).sessions.create({ botId: bot.id, ...identity }))).code).toBe(
        "UNAUTHORIZED",
      );
    }
    expect((await failureOf(visitor(SHOP).sessions.create({ botId: bot.id, userId: "x" }))).code).toBe(
      "BAD_REQUEST",
    );

    const rotated = await owner().bots.rotateIdentitySecret({ orgId: org.id, botId: bot.id });
    const stale = await failureOf(
      visitor(SHOP).sessions.create({
        botId: bot.id,
        userId: "customer-42",
        userHash: hashOf(secret, "customer-42"),
      }),
    );
    expect(stale.code).toBe("UNAUTHORIZED");
    await visitor(SHOP).sessions.create({
      botId: bot.id,
      userId: "customer-42",
      userHash: hashOf(rotated.secret, "customer-42"),
    });
  });

  it("refuses anonymous visitors (401) when the bot requires identity", async () => {
    const bot = await newBot({ requireIdentity: true });
    const { secret } = await owner().bots.identitySecret({ orgId: org.id, botId: bot.id });
    const before = await conversationCount(bot.id);
    const failure = await failureOf(visitor(SHOP).sessions.create({ botId: bot.id }));
    expect(failure).toMatchObject({
      code: "UNAUTHORIZED",
      message: expect.stringMatching(/requires an identified/),
    });
    expect(await conversationCount(bot.id)).toBe(before);
    const session = await visitor(SHOP).sessions.create({
      botId: bot.id,
      userId: "u1",
      userHash: hashOf(secret, "u1"),
    });
    expect(session.endUserId).toBe("u1");
  });
});

describe("requireWidgetSession", () => {
  const contextFor = (authorization: string | null, origin: string | null, runtime = app.runtime) => ({
    ...createContext({
      runtime,
      request: { requestId: "req", ip: "127.0.0.1", userAgent: null, origin },
      authorization,
    }),
    deps: depsOf(runtime),
  });

  it("accepts the session's own conversation from its origin", async () => {
    const bot = await newBot({ welcomeMessage: "Hi there" });
    const session = await visitor(SHOP).sessions.create({ botId: bot.id });
    const verified = await requireWidgetSession(
      contextFor(`Bearer ${session.token}`, SHOP),
      session.conversationId,
    );
    expect(verified).toMatchObject({
      orgId: org.id,
      botId: bot.id,
      conversationId: session.conversationId,
      origin: SHOP,
      endUserId: null,
      bot: { id: bot.id, orgId: org.id, status: "draft", currentVersionId: null },
    });
    expect(verified.bot.config.welcomeMessage).toBe("Hi there");
    expect(JSON.stringify(verified)).not.toMatch(/kyro_id_/);
  });

  it("refuses missing or bad tokens (401), other conversations (404), other origins (403)", async () => {
    const bot = await newBot();
    const session = await visitor(SHOP).sessions.create({ botId: bot.id });
    const other = await visitor(SHOP).sessions.create({ botId: bot.id });
    const check = (
      authorization: string | null,
      origin: string | null,
      conversationId = session.conversationId,
    ) => failureOf(requireWidgetSession(contextFor(authorization, origin), conversationId));
    expect((await check(null, SHOP)).code).toBe("UNAUTHORIZED");
    expect((await check("Bearer not-a-token", SHOP)).code).toBe("UNAUTHORIZED");
    expect((await check(`Bearer ${org.owner.accessToken}`, SHOP)).code).toBe("UNAUTHORIZED");
    const expired = await signWidgetSession(
      app.deps.hmacKeys.widgetSession,
      { orgId: org.id, botId: bot.id, conversationId: session.conversationId, origin: SHOP, endUserId: null },
      -10,
    );
    expect((await check(`Bearer ${expired.token}`, SHOP)).code).toBe("UNAUTHORIZED");
    expect((await check(`Bearer ${session.token}`, SHOP, other.conversationId)).code).toBe("NOT_FOUND");
    expect((await check(`Bearer ${session.token}`, "https://help.example.org")).code).toBe("FORBIDDEN");
    expect((await check(`Bearer ${session.token}`, null)).code).toBe("FORBIDDEN");
  });

  it("cuts off open sessions when the origin leaves the allowlist or the bot is paused or deleted", async () => {
    const bot = await newBot();
    await owner().widget.set({
      orgId: org.id,
      botId: bot.id,
      settings: { allowedDomains: ["shop.example.com"] },
    });
    const session = await visitor(SHOP).sessions.create({ botId: bot.id });
    const check = () =>
      requireWidgetSession(contextFor(`Bearer ${session.token}`, SHOP), session.conversationId);
    await check();
    await owner().widget.set({
      orgId: org.id,
      botId: bot.id,
      settings: { allowedDomains: ["other.example.com"] },
    });
    expect((await failureOf(check())).code).toBe("FORBIDDEN");
    await owner().widget.set({ orgId: org.id, botId: bot.id, settings: { allowedDomains: null } });
    await check();
    await owner().bots.update({ orgId: org.id, botId: bot.id, status: "paused" });
    expect((await failureOf(check())).code).toBe("NOT_FOUND");
    await owner().bots.update({ orgId: org.id, botId: bot.id, status: "active" });
    await check();
    await owner().bots.delete({ orgId: org.id, botId: bot.id });
    expect((await failureOf(check())).code).toBe("NOT_FOUND");
  });

  it("sees a publish and a restored version at once (the cached bot is dropped on change)", async () => {
    const bot = await newBot({ fallbackMessage: "First" });
    const session = await visitor(SHOP).sessions.create({ botId: bot.id });
    const check = () =>
      requireWidgetSession(contextFor(`Bearer ${session.token}`, SHOP), session.conversationId);
    expect((await check()).bot.config.fallbackMessage).toBe("First");
    const first = await owner().bots.publish({ orgId: org.id, botId: bot.id });
    expect((await check()).bot.currentVersionId).toBe(first.version.id);
    await owner().bots.update({ orgId: org.id, botId: bot.id, config: { fallbackMessage: "Second" } });
    await owner().bots.publish({ orgId: org.id, botId: bot.id });
    expect((await check()).bot.config.fallbackMessage).toBe("Second");
    await owner().bots.restoreVersion({ orgId: org.id, botId: bot.id, versionId: first.version.id });
    const restored = await check();
    expect(restored.bot.currentVersionId).toBe(first.version.id);
    expect(restored.bot.config.fallbackMessage).toBe("First");
  });

  it("refuses a token it verified before once that token expires", async () => {
    const bot = await newBot();
    const session = await visitor(SHOP).sessions.create({ botId: bot.id });
    const shortLived = await signWidgetSession(
      app.deps.hmacKeys.widgetSession,
      { orgId: org.id, botId: bot.id, conversationId: session.conversationId, origin: SHOP, endUserId: null },
      60,
    );
    const check = () =>
      requireWidgetSession(contextFor(`Bearer ${shortLived.token}`, SHOP), session.conversationId);
    await check();
    vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ["Date"] });
    try {
      expect((await failureOf(check())).code).toBe("UNAUTHORIZED");
    } finally {
      vi.useRealTimers();
    }
  });

  it.skipIf(!inject("redisUrl"))(
    "cuts off a session served by another process at once (invalidation over Redis)",
    async () => {
      const peer = await app.peer();
      const bot = await newBot();
      await owner().widget.set({
        orgId: org.id,
        botId: bot.id,
        settings: { allowedDomains: ["shop.example.com"] },
      });
      const session = await visitor(SHOP).sessions.create({ botId: bot.id });
      const checkOnPeer = () =>
        requireWidgetSession(
          contextFor(`Bearer ${session.token}`, SHOP, peer.runtime),
          session.conversationId,
        );
      // The peer caches the live bot and its allowlist; the change is made on the other process.
      await checkOnPeer();
      await owner().widget.set({
        orgId: org.id,
        botId: bot.id,
        settings: { allowedDomains: ["other.example.com"] },
      });
      await vi.waitFor(async () => expect((await failureOf(checkOnPeer())).code).toBe("FORBIDDEN"), {
        timeout: 1_000,
      });
      await owner().bots.delete({ orgId: org.id, botId: bot.id });
      await vi.waitFor(async () => expect((await failureOf(checkOnPeer())).code).toBe("NOT_FOUND"), {
        timeout: 1_000,
      });
    },
  );
});
