import { usageDaily, usageEvents } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

const OPERATOR = "usage-operator@example.test";

let app: TestApp;
let busy: SeededOrg;
let quiet: SeededOrg;
let operatorToken: string;

beforeAll(async () => {
  app = await createTestApp({ settings: { platformAdmins: [OPERATOR] } });
  operatorToken = (await app.seedUser({ email: OPERATOR })).accessToken;
  busy = await app.seedOrg("Busy");
  quiet = await app.seedOrg("Quiet");
  // Fixed UTC days: the range edges are tested on data, not on when the test runs.
  const row = (orgId: string, day: string, requests: number, costMicros = 0) => ({
    orgId,
    day,
    requests,
    messages: requests * 2,
    inputTokens: requests * 10,
    outputTokens: requests * 5,
    costMicros,
  });
  await app.database.db
    .insert(usageDaily)
    .values([
      row(busy.id, "2026-05-31", 1000),
      row(busy.id, "2026-06-01", 30, 1_250),
      row(busy.id, "2026-06-30", 20, 2_000_000),
      row(busy.id, "2026-07-01", 1000),
      row(quiet.id, "2026-06-15", 7),
    ]);
});
afterAll(async () => {
  await app?.close();
});

describe("admin.usage.orgs", () => {
  it("sums each org's counters over [from, to), most requests first, paged", async () => {
    const admin = app.caller(operatorToken).admin;
    const june = await admin.usage.orgs({
      from: "2026-06-01T00:00:00Z",
      to: "2026-07-01T00:00:00Z",
      limit: 1,
    });
    expect(june.items).toEqual([
      {
        orgId: busy.id,
        orgName: "Busy",
        requests: 50,
        messages: 100,
        inputTokens: 500,
        outputTokens: 250,
        costUsd: "2.001250",
      },
    ]);
    const next = await admin.usage.orgs({
      from: "2026-06-01T00:00:00Z",
      to: "2026-07-01T00:00:00Z",
      cursor: june.nextCursor ?? "",
    });
    expect(next.items.map((item) => [item.orgId, item.requests])).toEqual([[quiet.id, 7]]);
    expect(next.nextCursor).toBeNull();
  });

  it("refuses a reversed range and answers 404 to a member", async () => {
    const admin = app.caller(operatorToken).admin;
    expect(
      (await failureOf(admin.usage.orgs({ from: "2026-07-01T00:00:00Z", to: "2026-06-01T00:00:00Z" }))).code,
    ).toBe("BAD_REQUEST");
    const member = await failureOf(
      app
        .caller(busy.owner.accessToken)
        .admin.usage.orgs({ from: "2026-06-01T00:00:00Z", to: "2026-07-01T00:00:00Z" }),
    );
    expect(member.code).toBe("NOT_FOUND");
  });
});

describe("admin.usage.breakdown", () => {
  const JUNE = { from: "2026-06-01T00:00:00Z", to: "2026-07-01T00:00:00Z" };

  it("sums per month and org across orgs, and per model from the usage events", async () => {
    const admin = app.caller(operatorToken).admin;
    const byOrg = await admin.usage.breakdown({ ...JUNE, by: "org", granularity: "month" });
    const expected = [
      { key: busy.id, label: "Busy", requests: 50, costMicros: 2_001_250 },
      { key: quiet.id, label: "Quiet", requests: 7, costMicros: 0 },
    ].sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(
      byOrg.items.map(({ key, label, requests, costMicros }) => ({ key, label, requests, costMicros })),
    ).toEqual(expected);
    expect(byOrg.items.every((row) => row.period === "2026-06")).toBe(true);

    const event = (orgId: string, at: string) => ({
      orgId,
      model: "platform-model",
      kind: "chat" as const,
      inputTokens: 10,
      outputTokens: 1,
      costMicros: 100,
      createdAt: new Date(at),
    });
    await app.database.db
      .insert(usageEvents)
      .values([
        event(busy.id, "2026-06-02T00:00:00Z"),
        event(quiet.id, "2026-06-29T23:59:59Z"),
        event(quiet.id, "2026-07-01T00:00:00Z"),
      ]);
    const byModel = await admin.usage.breakdown({ ...JUNE, by: "model", granularity: "month" });
    expect(byModel.items).toEqual([
      {
        period: "2026-06",
        key: "platform-model",
        label: null,
        requests: 2,
        messages: 0,
        inputTokens: 20,
        outputTokens: 2,
        costMicros: 200,
      },
    ]);
  });

  it("answers 404 to a member", async () => {
    const member = await failureOf(
      app.caller(busy.owner.accessToken).admin.usage.breakdown({ ...JUNE, by: "org" }),
    );
    expect(member.code).toBe("NOT_FOUND");
  });
});
