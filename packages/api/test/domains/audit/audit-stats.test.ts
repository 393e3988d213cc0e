import { auditEvents, newId } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let other: SeededOrg;
beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Stats");
  other = await app.seedOrg("Stats other");
});
afterAll(async () => {
  await app?.close();
});

/** Fixed instants around a UTC midnight, so the day buckets do not depend on when the test runs. */
const AT = (iso: string) => new Date(iso);

async function insert(
  orgId: string,
  rows: { action: string; actorId: string | null; label: string; at: string }[],
) {
  const ids = rows.map(() => newId());
  await app.database.db.insert(auditEvents).values(
    rows.map((row, index) => ({
      id: ids[index] as string,
      orgId,
      actorType: row.actorId ? ("user" as const) : ("system" as const),
      actorId: row.actorId,
      actorLabel: row.label,
      action: row.action,
      resourceType: "bot",
      createdAt: AT(row.at),
    })),
  );
  return ids;
}

describe("audit.get", () => {
  it("answers one event of the org, and 404 for another org's event or an unknown id", async () => {
    const [mine] = await insert(org.id, [
      { action: "bot.updated", actorId: org.admin.id, label: org.admin.email, at: "2026-03-01T10:00:00Z" },
    ]);
    const [theirs] = await insert(other.id, [
      {
        action: "bot.updated",
        actorId: other.admin.id,
        label: other.admin.email,
        at: "2026-03-01T10:00:00Z",
      },
    ]);
    const viewer = app.caller(org.admin.accessToken).audit;
    const { event } = await viewer.get({ orgId: org.id, eventId: mine as string });
    expect(event).toMatchObject({
      id: mine,
      orgId: org.id,
      action: "bot.updated",
      actor: { id: org.admin.id },
    });
    const foreign = await failureOf(viewer.get({ orgId: org.id, eventId: theirs as string }));
    expect(foreign).toMatchObject({ code: "NOT_FOUND", details: { resource: "Audit event" } });
    const role = await failureOf(
      app.caller(org.viewer.accessToken).audit.get({ orgId: org.id, eventId: mine as string }),
    );
    expect(role).toMatchObject({ code: "FORBIDDEN", details: { reason: "role" } });
    const crossOrg = await failureOf(viewer.get({ orgId: other.id, eventId: theirs as string }));
    expect(crossOrg).toMatchObject({ code: "NOT_FOUND", details: { resource: "Organization" } });
  });

  it("takes an API key with admin:org and refuses one without it", async () => {
    const [id] = await insert(org.id, [
      { action: "lead.created", actorId: null, label: "system", at: "2026-03-02T00:00:00Z" },
    ]);
    const reader = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    await app.caller(reader.key).audit.get({ orgId: org.id, eventId: id as string });
    const blind = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    const refused = await failureOf(
      app.caller(blind.key).audit.get({ orgId: org.id, eventId: id as string }),
    );
    expect(refused).toMatchObject({ code: "FORBIDDEN", details: { reason: "scope" } });
  });
});

describe("audit.stats", () => {
  it("counts by action, actor and UTC day over [from, to), for the caller's org only", async () => {
    const fresh = await app.seedOrg("Stats fresh");
    const alice = { actorId: fresh.admin.id, label: fresh.admin.email };
    await insert(fresh.id, [
      { action: "bot.created", ...alice, at: "2026-04-01T23:59:59.999Z" },
      { action: "bot.updated", ...alice, at: "2026-04-02T00:00:00Z" },
      { action: "bot.updated", actorId: null, label: "system", at: "2026-04-02T12:00:00Z" },
      { action: "bot.updated", ...alice, at: "2026-04-03T00:00:00Z" },
    ]);
    await insert(other.id, [{ action: "bot.updated", ...alice, at: "2026-04-02T01:00:00Z" }]);
    const stats = await app
      .caller(fresh.owner.accessToken)
      .audit.stats({ orgId: fresh.id, from: "2026-04-01T00:00:00Z", to: AT("2026-04-03T00:00:00Z") });
    expect(stats.total).toBe(3);
    expect(stats.byAction).toEqual([
      { action: "bot.updated", count: 2 },
      { action: "bot.created", count: 1 },
    ]);
    expect(stats.byActor).toEqual([
      { actor: { type: "user", id: fresh.admin.id, label: fresh.admin.email }, count: 2 },
      { actor: { type: "system", id: null, label: "system" }, count: 1 },
    ]);
    expect(stats.byDay).toEqual([
      { day: "2026-04-01", count: 1 },
      { day: "2026-04-02", count: 2 },
    ]);
  });

  it("refuses a reversed or over-long range, and another org's id with 404", async () => {
    const caller = app.caller(org.owner.accessToken).audit;
    const reversed = await failureOf(
      caller.stats({ orgId: org.id, from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }),
    );
    expect(reversed.code).toBe("BAD_REQUEST");
    const long = await failureOf(
      caller.stats({ orgId: org.id, from: "2025-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }),
    );
    expect(long.code).toBe("BAD_REQUEST");
    const foreign = await failureOf(
      caller.stats({ orgId: other.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }),
    );
    expect(foreign.code).toBe("NOT_FOUND");
    expect(
      (
        await failureOf(
          app
            .caller()
            .audit.stats({ orgId: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }),
        )
      ).code,
    ).toBe("UNAUTHORIZED");
  });
});
