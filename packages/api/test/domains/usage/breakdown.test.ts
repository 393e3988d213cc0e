import { rowsOf, sql, usageDaily, usageDailyActors, usageEvents } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededApiKey, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
let key: SeededApiKey;
let otherKey: SeededApiKey;

const MARCH = { from: "2026-03-01T00:00:00Z", to: "2026-05-01T00:00:00Z" };

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Counted");
  other = await app.seedOrg("Other");
  key = await app.seedApiKey(org.id, { scopes: ["admin:org"], name: "ci key" });
  otherKey = await app.seedApiKey(other.id, { scopes: ["admin:org"], name: "their key" });
  const { db } = app.database;
  // Fixed UTC days in March and April 2026, so the sums do not depend on when the test runs.
  const event = (orgId: string, at: string, who: { userId?: string; apiKeyId?: string }, model: string) => ({
    orgId,
    botId: null,
    userId: who.userId ?? null,
    apiKeyId: who.apiKeyId ?? null,
    model,
    kind: "chat" as const,
    inputTokens: 100,
    outputTokens: 40,
    costMicros: 1_500,
    createdAt: new Date(at),
  });
  await db.insert(usageEvents).values([
    event(org.id, "2026-03-02T10:00:00Z", { userId: org.owner.id }, "gpt-a"),
    event(org.id, "2026-03-02T23:59:59Z", { userId: org.owner.id }, "gpt-b"),
    event(org.id, "2026-03-20T08:00:00Z", { apiKeyId: key.id }, "gpt-a"),
    event(org.id, "2026-04-01T00:00:00Z", { apiKeyId: key.id }, "gpt-a"),
    event(org.id, "2026-04-03T00:00:00Z", {}, "gpt-b"),
    // Outside the range, and another org's.
    event(org.id, "2026-05-01T00:00:00Z", { userId: org.owner.id }, "gpt-a"),
    event(other.id, "2026-03-02T10:00:00Z", { userId: other.owner.id, apiKeyId: otherKey.id }, "gpt-z"),
  ]);
  const actor = (
    orgId: string,
    day: string,
    actorKind: "user" | "apiKey",
    actorId: string,
    requests: number,
  ) => ({
    orgId,
    day,
    actorKind,
    actorId,
    requests,
    messages: 0,
  });
  await db
    .insert(usageDailyActors)
    .values([
      actor(org.id, "2026-03-02", "user", org.owner.id, 7),
      actor(org.id, "2026-03-03", "user", org.agent.id, 3),
      actor(org.id, "2026-03-20", "apiKey", key.id, 50),
      actor(org.id, "2026-04-01", "apiKey", key.id, 5),
      actor(other.id, "2026-03-02", "user", other.owner.id, 999),
      actor(other.id, "2026-03-02", "apiKey", otherKey.id, 999),
    ]);
  await db.insert(usageDaily).values([
    { orgId: org.id, day: "2026-03-02", requests: 10, messages: 4, inputTokens: 200, costMicros: 3_000 },
    { orgId: org.id, day: "2026-04-01", requests: 5, messages: 1 },
    { orgId: other.id, day: "2026-03-02", requests: 999 },
  ]);
});
afterAll(async () => {
  await app?.close();
});

const breakdown = (token: string, input: Record<string, unknown>) =>
  // biome-ignore lint/suspicious/noExplicitAny: the test passes inputs the schema refuses too.
  app.caller(token).usage.breakdown({ orgId: org.id, ...MARCH, ...input } as any);

/** Every page of a breakdown, two rows at a time (so paging is exercised). */
async function allRows(input: Record<string, unknown>) {
  const rows = [];
  let cursor: string | undefined;
  do {
    const page = await breakdown(org.owner.accessToken, { ...input, limit: 2, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

/** What a direct SQL sum over the events and actor rollup says, per period and key. */
async function directSums(kind: "user" | "apiKey", month: boolean) {
  const column = kind === "user" ? sql`user_id` : sql`api_key_id`;
  const format = month ? "YYYY-MM" : "YYYY-MM-DD";
  const rows = rowsOf<{ period: string; key: string; requests: string; tokens: string; cost: string }>(
    await app.database.db.execute(sql`
      select period, key, sum(requests) as requests, sum(tokens) as tokens, sum(cost) as cost from (
        select to_char(day, ${format}) as period, actor_id::text as key, requests, 0 as tokens, 0 as cost
          from usage_daily_actors where org_id = ${org.id} and actor_kind = ${kind}
            and day >= '2026-03-01' and day < '2026-05-01'
        union all
        select to_char(created_at at time zone 'UTC', ${format}), ${column}::text, 0, input_tokens, cost_micros
          from usage_events where org_id = ${org.id} and ${column} is not null
            and created_at >= '2026-03-01T00:00:00Z' and created_at < '2026-05-01T00:00:00Z'
      ) as s group by 1, 2 order by 1 desc, 2`),
  );
  return rows.map((row) => ({
    period: row.period,
    key: row.key,
    requests: Number(row.requests),
    inputTokens: Number(row.tokens),
    costMicros: Number(row.cost),
  }));
}

const comparable = (
  rows: { period: string; key: string | null; requests: number; inputTokens: number; costMicros: number }[],
) =>
  rows.map(({ period, key, requests, inputTokens, costMicros }) => ({
    period,
    key,
    requests,
    inputTokens,
    costMicros,
  }));

describe("usage.breakdown", () => {
  it("equals a direct SQL sum per member and per key, daily and monthly, over every page", async () => {
    for (const [by, kind] of [
      ["member", "user"],
      ["apiKey", "apiKey"],
    ] as const) {
      for (const month of [false, true]) {
        const rows = await allRows({ by, granularity: month ? "month" : "day" });
        expect(comparable(rows)).toEqual(await directSums(kind, month));
      }
    }
    const monthly = await allRows({ by: "apiKey", granularity: "month" });
    expect(monthly).toEqual([
      {
        period: "2026-04",
        key: key.id,
        label: "ci key",
        requests: 5,
        messages: 0,
        inputTokens: 100,
        outputTokens: 40,
        costMicros: 1_500,
      },
      {
        period: "2026-03",
        key: key.id,
        label: "ci key",
        requests: 50,
        messages: 0,
        inputTokens: 100,
        outputTokens: 40,
        costMicros: 1_500,
      },
    ]);
  });

  it("attributes members and keys apart, and never shows another org's rows", async () => {
    const members = await allRows({ by: "member", granularity: "month" });
    const expected = [
      ["2026-03", org.owner.id, 7, 200],
      ["2026-03", org.agent.id, 3, 0],
    ].sort((a, b) => (String(a[1]) < String(b[1]) ? -1 : 1));
    expect(members.map((row) => [row.period, row.key, row.requests, row.inputTokens])).toEqual(expected);
    const keys = new Set((await allRows({ by: "apiKey" })).map((row) => row.key));
    expect(keys).toEqual(new Set([key.id]));
    const models = await allRows({ by: "model", granularity: "month" });
    expect(models.map((row) => [row.period, row.key, row.requests, row.costMicros])).toEqual([
      ["2026-04", "gpt-a", 1, 1_500],
      ["2026-04", "gpt-b", 1, 1_500],
      ["2026-03", "gpt-a", 2, 3_000],
      ["2026-03", "gpt-b", 1, 1_500],
    ]);
    const bots = await allRows({ by: "bot", granularity: "month" });
    expect(bots).toEqual([
      {
        period: "2026-04",
        key: null,
        label: null,
        requests: 5,
        messages: 1,
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0,
      },
      {
        period: "2026-03",
        key: null,
        label: null,
        requests: 10,
        messages: 4,
        inputTokens: 200,
        outputTokens: 0,
        costMicros: 3_000,
      },
    ]);
    const foreign = await failureOf(breakdown(other.owner.accessToken, { by: "member" }));
    expect(foreign.code).toBe("NOT_FOUND");
  });

  it("is for every role holding ai:read, not for a key without it; refuses a reversed or long range", async () => {
    for (const member of [org.viewer, org.agent, org.admin]) {
      expect((await breakdown(member.accessToken, { by: "model" })).items.length).toBeGreaterThan(0);
    }
    const narrow = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    expect((await failureOf(breakdown(narrow.key, { by: "model" }))).code).toBe("FORBIDDEN");
    const reversed = await failureOf(
      breakdown(org.owner.accessToken, { by: "bot", from: MARCH.to, to: MARCH.from }),
    );
    expect(reversed.code).toBe("BAD_REQUEST");
    const long = await failureOf(
      breakdown(org.owner.accessToken, {
        by: "bot",
        from: "2025-01-01T00:00:00Z",
        to: "2026-03-01T00:00:00Z",
      }),
    );
    expect(long.code).toBe("BAD_REQUEST");
  });

  it("exports the breakdown as CSV", async () => {
    const stream = await app
      .caller(org.owner.accessToken)
      .usage.exportBreakdown({ orgId: org.id, ...MARCH, by: "apiKey", granularity: "month", format: "csv" });
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.join("")).toBe(
      "period,key,label,requests,messages,inputTokens,outputTokens,costMicros\r\n" +
        `2026-04,${key.id},ci key,5,0,100,40,1500\r\n` +
        `2026-03,${key.id},ci key,50,0,100,40,1500\r\n`,
    );
  });
});

describe("usage.top", () => {
  it("ranks members by requests or by cost", async () => {
    const top = app.caller(org.viewer.accessToken).usage.top;
    const byRequests = await top({ orgId: org.id, ...MARCH, by: "member" });
    expect(byRequests.items.map((row) => [row.key, row.requests])).toEqual([
      [org.owner.id, 7],
      [org.agent.id, 3],
    ]);
    const byCost = await top({ orgId: org.id, ...MARCH, by: "member", rankBy: "cost", limit: 1 });
    expect(byCost.items.map((row) => [row.key, row.costMicros, row.label])).toEqual([
      [org.owner.id, 3_000, expect.any(String)],
    ]);
    const second = await top({
      orgId: org.id,
      ...MARCH,
      by: "member",
      rankBy: "cost",
      limit: 1,
      cursor: byCost.nextCursor ?? "",
    });
    expect(second.items.map((row) => [row.key, row.costMicros])).toEqual([[org.agent.id, 0]]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("attribution on the request path", () => {
  it("counts each request for the member or the API key that made it", async () => {
    const fresh = await app.seedOrg("Fresh");
    const freshKey = await app.seedApiKey(fresh.id, { scopes: ["admin:org"] });
    await app.deps.requestLimits.usage.flush();
    await app.caller(fresh.admin.accessToken).limits.get({ orgId: fresh.id });
    await app.caller(fresh.admin.accessToken).limits.get({ orgId: fresh.id });
    await app.caller(freshKey.key).limits.get({ orgId: fresh.id });
    await app.deps.requestLimits.usage.flush();
    const rows = await app.database.db
      .select({
        kind: usageDailyActors.actorKind,
        id: usageDailyActors.actorId,
        requests: usageDailyActors.requests,
      })
      .from(usageDailyActors)
      .where(sql`${usageDailyActors.orgId} = ${fresh.id}`);
    expect(rows.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: "apiKey", id: freshKey.id, requests: 1 },
      { kind: "user", id: fresh.admin.id, requests: 2 },
    ]);
  });
});
