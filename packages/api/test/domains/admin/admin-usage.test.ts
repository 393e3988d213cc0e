import { usageDaily } from "@kyro/db";
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
