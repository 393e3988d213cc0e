import { randomUUID } from "node:crypto";
import { and, asc, auditEvents, bots, domainEvents, eq, usageDaily } from "@kyro/db";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { createContext } from "../../../src/core/context";
import type { LimitOutcome } from "../../../src/core/request-limits";
import { createCallerFactory, orgProcedure, router } from "../../../src/core/trpc";
import { consumeWidgetMessage } from "../../../src/domains/limits/index";
import { utcDay } from "../../../src/domains/limits/request-limits";
import { DEFAULT_LIMIT_SETTINGS } from "../../../src/domains/limits/settings";
import { DEFAULT_SETTINGS } from "../../../src/wiring";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type TestApp } from "../../harness";

const ADMIN_EMAIL = "Operator@Example.test";
const withRedis = Boolean(inject("redisUrl"));

/** A bot-targeting org procedure: the limits read `botId` from the raw input. */
const probe = router({
  touch: orgProcedure("bots:read")
    .input(z.object({ botId: z.uuid() }))
    .query(({ input }) => ({ botId: input.botId })),
});

let app: TestApp;
let operatorToken: string;
beforeAll(async () => {
  app = await createTestApp({ settings: { platformAdmins: [ADMIN_EMAIL.toLowerCase()] } });
  operatorToken = (await app.seedUser({ email: ADMIN_EMAIL })).accessToken;
});
afterAll(async () => {
  await app?.close();
});

const operator = () => app.caller(operatorToken).admin;

// Per-minute limits count clock-aligned minutes: a test that crossed into the next minute would see its
// counts restart, so each starts with at least 8 s left in the current one.
async function clearOfMinuteEnd(marginMs: number): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 60_000 - marginMs) {
    await new Promise((resolve) => setTimeout(resolve, 60_050 - intoMinute));
  }
}
beforeEach(() => clearOfMinuteEnd(8_000), 15_000);

async function seedBot(orgId: string, name = "Helper"): Promise<string> {
  const [bot] = await app.database.db
    .insert(bots)
    .values({ orgId, name, config: {}, identitySecret: randomUUID() })
    .returning({ id: bots.id });
  if (!bot) throw new Error("seed bot failed");
  return bot.id;
}

function probeCaller(token: string, trace: { limits?: LimitOutcome } = {}) {
  return createCallerFactory(probe)(
    createContext({
      runtime: app.runtime,
      request: { requestId: "probe", ip: "10.0.0.1", userAgent: null, origin: null },
      authorization: `Bearer ${token}`,
      trace,
    }),
  );
}

async function auditActions(orgId: string, prefix: string) {
  const rows = await app.database.db
    .select({ action: auditEvents.action, diff: auditEvents.diff, actorType: auditEvents.actorType })
    .from(auditEvents)
    .where(eq(auditEvents.orgId, orgId))
    .orderBy(asc(auditEvents.id));
  return rows.filter((row) => row.action.startsWith(prefix));
}

async function eventsOf(orgId: string) {
  return app.database.db
    .select({ type: domainEvents.type, data: domainEvents.data })
    .from(domainEvents)
    .where(eq(domainEvents.orgId, orgId))
    .orderBy(asc(domainEvents.id));
}

describe("limits.get", () => {
  it("reports the org's limits and use to every role and key scope", async () => {
    const org = await app.seedOrg();
    const botId = await seedBot(org.id);
    const report = await app.caller(org.viewer.accessToken).limits.get({ orgId: org.id });
    expect(report.limits).toEqual(DEFAULT_LIMIT_SETTINGS.defaults);
    expect(report.day).toBe(utcDay().day);
    expect(report.caller).toMatchObject({ scope: "user", id: org.viewer.id });
    // The call itself is counted before it runs.
    expect(report.caller.requestsThisMinute.used).toBe(1);
    expect(report.usage.requestsToday.used).toBe(1);
    expect(report.bots).toEqual([
      expect.objectContaining({
        botId,
        name: "Helper",
        limits: { botRequestsPerMinute: 1_200, botMessagesPerDay: 5_000 },
      }),
    ]);
    for (const scope of ["read:bots", "write:bots", "run:actions", "read:analytics", "admin:org"] as const) {
      const key = await app.seedApiKey(org.id, { scopes: [scope] });
      const byKey = await app.caller(key.key).limits.get({ orgId: org.id });
      expect(byKey.caller).toMatchObject({ scope: "apiKey", id: key.id });
    }
  });

  it("answers 401 without a caller and 404 for another org", async () => {
    const org = await app.seedOrg();
    const other = await app.seedOrg("Other");
    expect((await failureOf(app.caller().limits.get({ orgId: org.id }))).code).toBe("UNAUTHORIZED");
    expect((await failureOf(app.caller(org.owner.accessToken).limits.get({ orgId: other.id }))).code).toBe(
      "NOT_FOUND",
    );
    const key = await app.seedApiKey(other.id, { scopes: ["read:bots"] });
    expect((await failureOf(app.caller(key.key).limits.get({ orgId: org.id }))).code).toBe("NOT_FOUND");
  });
});

describe("request limits", () => {
  it("refuse an API key over its per-minute limit with RATE_LIMITED and the policy details", async () => {
    const org = await app.seedOrg();
    await operator().orgs.setLimits({ orgId: org.id, limits: { keyRequestsPerMinute: 3 } });
    const key = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    for (let call = 0; call < 3; call++) await app.caller(key.key).limits.get({ orgId: org.id });
    const refused = await failureOf(app.caller(key.key).limits.get({ orgId: org.id }));
    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.details).toMatchObject({ limit: 3, remaining: 0, policy: "key", scope: "apiKey" });
    const resetAt = Date.parse(String(refused.details?.resetAt));
    expect(resetAt).toBeGreaterThan(Date.now());
    expect(resetAt).toBeLessThanOrEqual(Date.now() + 61_000);
    // Another key of the org is not affected; the refusals did not count against the org.
    const other = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    const report = await app.caller(other.key).limits.get({ orgId: org.id });
    expect(report.usage.orgRequestsThisMinute.used).toBe(4);
    expect(report.usage.requestsToday.used).toBe(4);
  });

  it("limit a user and an org, and each org's override applies only to it", async () => {
    const org = await app.seedOrg();
    const other = await app.seedOrg("Other");
    await operator().orgs.setLimits({ orgId: org.id, limits: { userRequestsPerMinute: 2 } });
    const owner = app.caller(org.owner.accessToken);
    await owner.limits.get({ orgId: org.id });
    await owner.limits.get({ orgId: org.id });
    expect((await failureOf(owner.limits.get({ orgId: org.id }))).details).toMatchObject({
      policy: "user",
      scope: "user",
      limit: 2,
    });
    for (let call = 0; call < 3; call++)
      await app.caller(other.owner.accessToken).limits.get({ orgId: other.id });

    await operator().orgs.setLimits({ orgId: other.id, limits: { orgRequestsPerMinute: 4 } });
    const used = (await app.caller(other.admin.accessToken).limits.get({ orgId: other.id })).usage
      .orgRequestsThisMinute.used;
    expect(used).toBe(4);
    const refused = await failureOf(app.caller(other.viewer.accessToken).limits.get({ orgId: other.id }));
    expect(refused).toMatchObject({
      code: "RATE_LIMITED",
      details: { policy: "org", scope: "org", limit: 4 },
    });
  });

  it("limit a bot named in the input, and ignore ids of bots the org does not have", async () => {
    const org = await app.seedOrg();
    const botId = await seedBot(org.id);
    const otherBot = await seedBot(org.id, "Other bot");
    const foreign = await seedBot((await app.seedOrg("Foreign")).id);
    await operator().bots.setLimits({ orgId: org.id, botId, limits: { botRequestsPerMinute: 2 } });
    const call = probeCaller(org.owner.accessToken);
    await call.touch({ orgId: org.id, botId });
    const trace: { limits?: LimitOutcome } = {};
    await probeCaller(org.owner.accessToken, trace).touch({ orgId: org.id, botId });
    expect(trace.limits?.policies.map((policy) => policy.policy)).toEqual([
      "user",
      "org",
      "org-requests-daily",
      "bot",
    ]);
    expect(trace.limits?.governing).toMatchObject({ policy: "bot", remaining: 0, limit: 2 });
    expect((await failureOf(call.touch({ orgId: org.id, botId }))).details).toMatchObject({
      policy: "bot",
      scope: "bot",
    });
    await call.touch({ orgId: org.id, botId: otherBot });
    const foreignTrace: { limits?: LimitOutcome } = {};
    await probeCaller(org.owner.accessToken, foreignTrace).touch({ orgId: org.id, botId: foreign });
    expect(foreignTrace.limits?.policies.some((policy) => policy.policy === "bot")).toBe(false);
  });

  it("count calls refused by membership against the caller only", async () => {
    const org = await app.seedOrg();
    const other = await app.seedOrg("Other");
    await operator().orgs.setLimits({ orgId: org.id, limits: { userRequestsPerMinute: 600 } });
    expect((await failureOf(app.caller(org.viewer.accessToken).limits.get({ orgId: other.id }))).code).toBe(
      "NOT_FOUND",
    );
    const report = await app.caller(other.owner.accessToken).limits.get({ orgId: other.id });
    expect(report.usage.orgRequestsThisMinute.used).toBe(1);
    const mine = await app.caller(org.viewer.accessToken).limits.get({ orgId: org.id });
    expect(mine.caller.requestsThisMinute.used).toBe(2);
  });

  it("warn once at 80 % and 100 % of the daily request quota, then refuse with QUOTA_EXCEEDED", async () => {
    const org = await app.seedOrg();
    await operator().orgs.setLimits({ orgId: org.id, limits: { requestsPerDay: 5 } });
    const owner = app.caller(org.owner.accessToken);
    for (let call = 0; call < 3; call++) await owner.limits.get({ orgId: org.id });
    expect(await eventsOf(org.id)).toEqual([]);
    await owner.limits.get({ orgId: org.id });
    expect((await eventsOf(org.id)).map((event) => event.type)).toEqual(["quota.warning"]);
    await owner.limits.get({ orgId: org.id });
    const refused = await failureOf(owner.limits.get({ orgId: org.id }));
    expect(refused).toMatchObject({
      code: "QUOTA_EXCEEDED",
      details: { policy: "org-requests-daily", scope: "org", limit: 5, remaining: 0 },
    });
    const tomorrow = new Date(`${utcDay().day}T00:00:00Z`).getTime() + 86_400_000;
    expect(Date.parse(String(refused.details?.resetAt))).toBeCloseTo(tomorrow, -4);
    await failureOf(owner.limits.get({ orgId: org.id }));
    const events = await eventsOf(org.id);
    expect(events).toEqual([
      {
        type: "quota.warning",
        data: {
          quota: "requestsPerDay",
          scope: "org",
          botId: null,
          limit: 5,
          used: 4,
          threshold: 80,
          day: utcDay().day,
        },
      },
      { type: "quota.exceeded", data: expect.objectContaining({ threshold: 100, used: 5 }) },
    ]);
    const audits = await auditActions(org.id, "quota.");
    expect(audits.map((row) => [row.action, row.actorType])).toEqual([
      ["quota.warning", "system"],
      ["quota.exceeded", "system"],
    ]);
  });

  it("do not warn about a quota for a call that another limit refused", async () => {
    const org = await app.seedOrg();
    await operator().orgs.setLimits({
      orgId: org.id,
      limits: { requestsPerDay: 5, keyRequestsPerMinute: 3 },
    });
    const key = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    for (let call = 0; call < 3; call++) await app.caller(key.key).limits.get({ orgId: org.id });
    expect((await failureOf(app.caller(key.key).limits.get({ orgId: org.id }))).code).toBe("RATE_LIMITED");
    expect(await eventsOf(org.id)).toEqual([]);
    await app.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    expect((await eventsOf(org.id)).map((event) => event.type)).toEqual(["quota.warning"]);
  });

  it("limit anonymous calls per IP", async () => {
    const limited = await createTestApp({
      settings: { limits: { ...DEFAULT_LIMIT_SETTINGS, ipRequestsPerMinute: 2 } },
    });
    try {
      const login = (ip: string) =>
        failureOf(limited.caller(null, { ip }).auth.login({ email: "nobody@example.test", password: "x" }));
      expect((await login("192.0.2.1")).code).toBe("UNAUTHORIZED");
      expect((await login("192.0.2.1")).code).toBe("UNAUTHORIZED");
      expect(await login("192.0.2.1")).toMatchObject({
        code: "RATE_LIMITED",
        details: { policy: "ip", scope: "ip", limit: 2 },
      });
      expect((await login("192.0.2.2")).code).toBe("UNAUTHORIZED");
    } finally {
      await limited.close();
    }
  });

  it("can be switched off for deployments limited at their own gateway", async () => {
    const open = await createTestApp({
      settings: {
        limits: { ...DEFAULT_LIMIT_SETTINGS, requestLimitsEnabled: false, ipRequestsPerMinute: 1 },
      },
    });
    try {
      const org = await open.seedOrg();
      for (let call = 0; call < 3; call++) {
        await failureOf(open.caller(null).auth.login({ email: "nobody@example.test", password: "x" }));
      }
      const report = await open.caller(org.owner.accessToken).limits.get({ orgId: org.id });
      expect(report.requestLimitsEnabled).toBe(false);
      expect(report.usage.requestsToday.used).toBe(0);
    } finally {
      await open.close();
    }
  });
});

describe("consumeWidgetMessage", () => {
  async function setup(limits: { messagesPerDay?: number; botMessagesPerDay?: number } = {}) {
    const org = await app.seedOrg();
    const botId = await seedBot(org.id);
    if (limits.messagesPerDay) {
      await operator().orgs.setLimits({ orgId: org.id, limits: { messagesPerDay: limits.messagesPerDay } });
    }
    if (limits.botMessagesPerDay) {
      await operator().bots.setLimits({
        orgId: org.id,
        botId,
        limits: { botMessagesPerDay: limits.botMessagesPerDay },
      });
    }
    return { org, botId };
  }

  it("applies the per-conversation rate and counts nothing when refused", async () => {
    const { org, botId } = await setup();
    const conversationId = randomUUID();
    const rate = DEFAULT_SETTINGS.limits.conversationMessagesPerMinute;
    for (let message = 0; message < rate; message++) {
      await consumeWidgetMessage(app.deps, { orgId: org.id, botId, conversationId });
    }
    const refused = await failureOf(consumeWidgetMessage(app.deps, { orgId: org.id, botId, conversationId }));
    expect(refused).toMatchObject({
      code: "RATE_LIMITED",
      details: { policy: "conversation", scope: "conversation" },
    });
    // Another conversation of the same bot goes on.
    await consumeWidgetMessage(app.deps, { orgId: org.id, botId, conversationId: randomUUID() });
    const report = await app.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    expect(report.usage.messagesToday.used).toBe(rate + 1);
    expect(report.bots[0]?.messagesToday.used).toBe(rate + 1);
  });

  it("refuses past the bot's and the org's daily message quotas with QUOTA_EXCEEDED and warns once", async () => {
    const { org, botId } = await setup({ messagesPerDay: 4, botMessagesPerDay: 2 });
    const send = () => consumeWidgetMessage(app.deps, { orgId: org.id, botId, conversationId: randomUUID() });
    await send();
    await send();
    expect(await failureOf(send())).toMatchObject({
      code: "QUOTA_EXCEEDED",
      details: { policy: "bot-messages-daily", scope: "bot", limit: 2 },
    });
    const types = (await eventsOf(org.id)).map((event) => [
      event.type,
      (event.data as { quota: string }).quota,
    ]);
    expect(types).toEqual([
      ["quota.warning", "botMessagesPerDay"],
      ["quota.exceeded", "botMessagesPerDay"],
    ]);
    const secondBot = await seedBot(org.id, "Second");
    const sendSecond = () =>
      consumeWidgetMessage(app.deps, { orgId: org.id, botId: secondBot, conversationId: randomUUID() });
    await sendSecond();
    await sendSecond();
    expect(await failureOf(sendSecond())).toMatchObject({
      code: "QUOTA_EXCEEDED",
      details: { policy: "org-messages-daily", scope: "org", limit: 4 },
    });
    const report = await app.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    expect(report.usage.messagesToday.used).toBe(4);
  });
});

describe("usage records", () => {
  it("roll up requests and messages per org, bot and day with increments from several processes", async () => {
    const org = await app.seedOrg();
    const botId = await seedBot(org.id);
    const peer = await app.peer();
    await app.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    await peer.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    await probeCaller(org.owner.accessToken).touch({ orgId: org.id, botId });
    await consumeWidgetMessage(app.deps, { orgId: org.id, botId, conversationId: randomUUID() });
    await consumeWidgetMessage(peer.deps, { orgId: org.id, botId, conversationId: randomUUID() });
    await app.deps.requestLimits.usage.flush();
    // Disposing a process writes what it still holds.
    await peer.close();
    await app.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    await app.deps.requestLimits.usage.flush();
    const rows = await app.database.db
      .select({
        botId: usageDaily.botId,
        day: usageDaily.day,
        requests: usageDaily.requests,
        messages: usageDaily.messages,
      })
      .from(usageDaily)
      .where(eq(usageDaily.orgId, org.id));
    const byBot = Object.fromEntries(rows.map((row) => [row.botId ?? "org", row]));
    expect(byBot.org).toEqual({ botId: null, day: utcDay().day, requests: 3, messages: 0 });
    expect(byBot[botId]).toEqual({ botId, day: utcDay().day, requests: 1, messages: 2 });
  });
});

describe("admin", () => {
  it("is NOT_FOUND for members, owners and API keys, and UNAUTHORIZED anonymously", async () => {
    const org = await app.seedOrg();
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    for (const token of [org.owner.accessToken, org.viewer.accessToken, key.key]) {
      const admin = app.caller(token).admin;
      expect((await failureOf(admin.orgs.list({}))).code).toBe("NOT_FOUND");
      expect((await failureOf(admin.orgs.get({ orgId: org.id }))).code).toBe("NOT_FOUND");
      expect(
        (await failureOf(admin.orgs.setLimits({ orgId: org.id, limits: { requestsPerDay: 1 } }))).code,
      ).toBe("NOT_FOUND");
    }
    expect((await failureOf(app.caller().admin.orgs.list({}))).code).toBe("UNAUTHORIZED");
    const report = await app.caller(org.owner.accessToken).limits.get({ orgId: org.id });
    expect(report.limits.requestsPerDay).toBe(DEFAULT_LIMIT_SETTINGS.defaults.requestsPerDay);
  });

  it("lists and gets orgs, sets and resets limits with an audit row, and refuses bad input", async () => {
    const org = await app.seedOrg("Zebra Widgets");
    const page = await operator().orgs.list({ search: "zebra" });
    expect(page.items.map((item) => item.id)).toContain(org.id);
    expect(page.items.find((item) => item.id === org.id)?.hasOverrides).toBe(false);

    const set = await operator().orgs.setLimits({
      orgId: org.id,
      limits: { messagesPerDay: 50, botMessagesPerDay: 7 },
    });
    expect(set.overrides).toMatchObject({ messagesPerDay: 50, botMessagesPerDay: 7, requestsPerDay: null });
    expect(set.report.limits).toMatchObject({ messagesPerDay: 50, botMessagesPerDay: 7 });
    expect(
      (await app.caller(org.viewer.accessToken).limits.get({ orgId: org.id })).limits.messagesPerDay,
    ).toBe(50);

    const reset = await operator().orgs.setLimits({ orgId: org.id, limits: { messagesPerDay: null } });
    expect(reset.overrides).toMatchObject({ messagesPerDay: null, botMessagesPerDay: 7 });
    expect(reset.report.limits.messagesPerDay).toBe(DEFAULT_LIMIT_SETTINGS.defaults.messagesPerDay);

    const audits = await auditActions(org.id, "limits.");
    expect(audits).toHaveLength(2);
    expect(audits[1]?.diff).toMatchObject({
      before: { messagesPerDay: 50, botMessagesPerDay: 7 },
      after: { messagesPerDay: null, botMessagesPerDay: 7 },
    });

    expect(
      (await failureOf(operator().orgs.setLimits({ orgId: org.id, limits: { requestsPerDay: 0 } }))).code,
    ).toBe("BAD_REQUEST");
    expect(
      (await failureOf(operator().orgs.setLimits({ orgId: org.id, limits: { unknown: 5 } as never }))).code,
    ).toBe("BAD_REQUEST");
    expect((await failureOf(operator().orgs.get({ orgId: randomUUID() }))).code).toBe("NOT_FOUND");
    expect(
      (await failureOf(operator().orgs.setLimits({ orgId: randomUUID(), limits: { requestsPerDay: 9 } })))
        .code,
    ).toBe("NOT_FOUND");
    expect(await auditActions(org.id, "limits.")).toHaveLength(2);
  });

  it("pages through orgs by cursor and matches the search without wildcards", async () => {
    const label = `Pager ${randomUUID().slice(0, 8)}`;
    const ids = [];
    for (let index = 0; index < 3; index++) ids.push((await app.seedOrg(`${label} ${index}`)).id);
    const first = await operator().orgs.list({ search: label, limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual(ids.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await operator().orgs.list({
      search: label,
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
    expect((await operator().orgs.list({ search: "%" })).items).toEqual([]);
  });

  it("sets a bot's limits only for a bot of that org", async () => {
    const org = await app.seedOrg();
    const other = await app.seedOrg("Other");
    const botId = await seedBot(org.id);
    const foreign = await seedBot(other.id);
    const set = await operator().bots.setLimits({ orgId: org.id, botId, limits: { botMessagesPerDay: 3 } });
    expect(set).toEqual({
      orgId: org.id,
      botId,
      overrides: { botRequestsPerMinute: null, botMessagesPerDay: 3 },
      limits: { botRequestsPerMinute: 1_200, botMessagesPerDay: 3 },
    });
    expect(
      (
        await failureOf(
          operator().bots.setLimits({ orgId: org.id, botId: foreign, limits: { botMessagesPerDay: 3 } }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    const got = await operator().orgs.get({ orgId: org.id });
    expect(got.botOverrides).toEqual([
      { botId, overrides: { botRequestsPerMinute: null, botMessagesPerDay: 3 } },
    ]);
    expect(got.report.bots[0]?.limits.botMessagesPerDay).toBe(3);
    const audit = await app.database.db
      .select({ resourceId: auditEvents.resourceId })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "limits.bot_updated")));
    expect(audit).toEqual([{ resourceId: botId }]);
  });
});

describe.skipIf(!withRedis)("several processes on one Redis", () => {
  it("enforce one limit together and see limit changes at once", async () => {
    const org = await app.seedOrg();
    const peer = await app.peer();
    const key = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    // Starting a peer takes a while on a loaded machine; the counted calls below get their own margin.
    await clearOfMinuteEnd(25_000);
    // The peer caches the default before the change; the change must reach it over pub/sub.
    await peer.caller(key.key).limits.get({ orgId: org.id });
    await operator().orgs.setLimits({ orgId: org.id, limits: { keyRequestsPerMinute: 11 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, index) =>
        (index % 2 ? peer : app).caller(key.key).limits.get({ orgId: org.id }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(10);
  }, 60_000);
});

describe("utcDay", () => {
  it("ends the day at 00:00 UTC", () => {
    expect(utcDay(Date.parse("2026-03-01T23:59:59.500Z"))).toEqual({ day: "2026-03-01", secondsLeft: 1 });
    expect(utcDay(Date.parse("2026-03-02T00:00:00.000Z"))).toEqual({
      day: "2026-03-02",
      secondsLeft: 86_400,
    });
    expect(utcDay(Date.parse("2026-03-02T12:00:00.000Z")).secondsLeft).toBe(43_200);
  });
});
