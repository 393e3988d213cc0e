import { and, auditEvents, eq, memberships, organizations } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slugify } from "../../../src/domains/orgs/service";
import { createTestApp, type TestApp } from "../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

const UNKNOWN_ORG = "0190f0f0-0000-7000-8000-000000000000";

async function auditRows(orgId: string, action: string) {
  return app.database.db
    .select({
      actorId: auditEvents.actorId,
      resourceId: auditEvents.resourceId,
      diff: auditEvents.diff,
      requestId: auditEvents.requestId,
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

describe("slugify", () => {
  it("derives lowercase, hyphenated, accent-free slugs", () => {
    expect(slugify("Acme Robotics, Inc.")).toBe("acme-robotics-inc");
    expect(slugify("  Café   Zürich  ")).toBe("cafe-zurich");
    expect(slugify("X")).toBe("org-x");
    expect(slugify("日本")).toBe("org");
    expect(slugify("a".repeat(80))).toHaveLength(48);
  });
});

describe("orgs.create", () => {
  it("makes the creator the owner, derives the slug and audits in the new org", async () => {
    const user = await app.seedUser();
    const { org } = await app
      .caller(user.accessToken, { requestId: "req-create" })
      .orgs.create({ name: "  Globex Corporation " });
    expect(org).toMatchObject({ name: "Globex Corporation", slug: "globex-corporation", role: "owner" });
    expect(org.createdAt).toBeInstanceOf(Date);

    const [membership] = await app.database.db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, user.id)));
    expect(membership?.role).toBe("owner");

    const rows = await auditRows(org.id, "org.created");
    expect(rows).toEqual([
      {
        actorId: user.id,
        resourceId: org.id,
        requestId: "req-create",
        diff: { before: null, after: { name: "Globex Corporation", slug: "globex-corporation" } },
      },
    ]);
    expect((await app.caller(user.accessToken).orgs.get({ orgId: org.id })).org).toEqual(org);
  });

  it("adds a suffix to a derived slug that is taken, and refuses an explicit one", async () => {
    const user = await app.seedUser();
    const { org: first } = await app.caller(user.accessToken).orgs.create({ name: "Initech" });
    const { org: second } = await app.caller(user.accessToken).orgs.create({ name: "Initech" });
    expect(first.slug).toBe("initech");
    expect(second.slug).toMatch(/^initech-[0-9a-f]{6}$/);

    await expect(
      app.caller(user.accessToken).orgs.create({ name: "Someone else", slug: "initech" }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("initech") });
    const named = await app.database.db
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.name, "Someone else"));
    expect(named).toEqual([]);
  });

  it("accepts an explicit slug, lower-cased, and rejects malformed ones", async () => {
    const user = await app.seedUser();
    const caller = app.caller(user.accessToken);
    expect((await caller.orgs.create({ name: "Umbrella", slug: "Umbrella-EU" })).org.slug).toBe(
      "umbrella-eu",
    );
    for (const slug of ["-bad", "bad-", "no--double", "spa ce", "x", "é-accent", "a".repeat(64)]) {
      await expect(caller.orgs.create({ name: "Bad slug", slug })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
    await expect(caller.orgs.create({ name: "   " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.orgs.create({ name: "Line\nbreak" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("requires a signed-in caller", async () => {
    await expect(app.caller().orgs.create({ name: "Anon" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(app.caller("not-a-token").orgs.create({ name: "Anon" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});

describe("orgs.list", () => {
  it("returns only the caller's orgs, each with the caller's role", async () => {
    const a = await app.seedOrg("Alpha");
    const b = await app.seedOrg("Beta");
    await app.seedOrg("Gamma");
    await app.database.db.insert(memberships).values({ orgId: b.id, userId: a.viewer.id, role: "agent" });

    const { items: orgs, nextCursor } = await app.caller(a.viewer.accessToken).orgs.list();
    expect(nextCursor).toBeNull();
    expect(orgs.map((org) => [org.id, org.role])).toEqual([
      [a.id, "viewer"],
      [b.id, "agent"],
    ]);
    expect(orgs[0]).toMatchObject({ name: "Alpha", slug: expect.stringMatching(/^alpha-/) });

    const lonely = await app.seedUser();
    expect(await app.caller(lonely.accessToken).orgs.list()).toEqual({ items: [], nextCursor: null });
  });

  it("pages by name with the common cursor and limit", async () => {
    const first = await app.seedOrg("Paged A");
    const second = await app.seedOrg("Paged B");
    await app.database.db
      .insert(memberships)
      .values({ orgId: second.id, userId: first.viewer.id, role: "viewer" });
    const orgs = app.caller(first.viewer.accessToken).orgs;

    const page = await orgs.list({ limit: 1 });
    expect(page.items.map((org) => org.id)).toEqual([first.id]);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await orgs.list({ limit: 1, cursor: page.nextCursor ?? undefined });
    expect(next).toEqual({ items: [expect.objectContaining({ id: second.id })], nextCursor: null });
    await expect(orgs.list({ limit: 101 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("requires a signed-in caller", async () => {
    await expect(app.caller().orgs.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("orgs.get", () => {
  it("answers every member with their own role", async () => {
    const org = await app.seedOrg("Readers");
    for (const role of ["owner", "admin", "agent", "viewer"] as const) {
      const { org: got } = await app.caller(org[role].accessToken).orgs.get({ orgId: org.id });
      expect(got).toMatchObject({ id: org.id, name: "Readers", role });
    }
  });

  it("answers NOT_FOUND for another org or an unknown id, UNAUTHORIZED without a session", async () => {
    const org = await app.seedOrg();
    const other = await app.seedOrg("Other");
    await expect(app.caller(org.owner.accessToken).orgs.get({ orgId: other.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(app.caller(org.owner.accessToken).orgs.get({ orgId: UNKNOWN_ORG })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(app.caller().orgs.get({ orgId: org.id })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("orgs.update", () => {
  it("lets owners and admins rename and re-slug, auditing before and after", async () => {
    const org = await app.seedOrg("Hooli");
    const { org: updated } = await app
      .caller(org.admin.accessToken)
      .orgs.update({ orgId: org.id, name: "Hooli XYZ", slug: "hooli-xyz" });
    expect(updated).toMatchObject({ id: org.id, name: "Hooli XYZ", slug: "hooli-xyz", role: "admin" });
    expect((await app.caller(org.viewer.accessToken).orgs.get({ orgId: org.id })).org).toMatchObject({
      name: "Hooli XYZ",
      slug: "hooli-xyz",
    });

    const [event] = await auditRows(org.id, "org.updated");
    expect(event?.actorId).toBe(org.admin.id);
    expect(event?.diff?.before).toMatchObject({ name: "Hooli", slug: expect.stringMatching(/^hooli-/) });
    expect(event?.diff?.after).toEqual({ name: "Hooli XYZ", slug: "hooli-xyz" });

    const { org: renamed } = await app
      .caller(org.owner.accessToken)
      .orgs.update({ orgId: org.id, name: "Hooli" });
    expect(renamed).toMatchObject({ name: "Hooli", slug: "hooli-xyz", role: "owner" });
    const events = await auditRows(org.id, "org.updated");
    expect(events.map((row) => row.diff)).toContainEqual({
      before: { name: "Hooli XYZ" },
      after: { name: "Hooli" },
    });
  });

  it("writes nothing when the values do not change", async () => {
    const org = await app.seedOrg("Steady");
    const { org: current } = await app.caller(org.owner.accessToken).orgs.get({ orgId: org.id });
    const { org: same } = await app
      .caller(org.owner.accessToken)
      .orgs.update({ orgId: org.id, name: current.name, slug: current.slug });
    expect(same).toEqual(current);
    expect(await auditRows(org.id, "org.updated")).toEqual([]);
  });

  it("refuses a taken slug and an empty update without changing anything", async () => {
    const org = await app.seedOrg("Pied Piper");
    const other = await app.seedOrg("Taken");
    const { org: taken } = await app.caller(other.owner.accessToken).orgs.get({ orgId: other.id });
    const { org: before } = await app.caller(org.owner.accessToken).orgs.get({ orgId: org.id });

    await expect(
      app.caller(org.owner.accessToken).orgs.update({ orgId: org.id, name: "Renamed", slug: taken.slug }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(app.caller(org.owner.accessToken).orgs.update({ orgId: org.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      app.caller(org.owner.accessToken).orgs.update({ orgId: org.id, slug: "Not A Slug!" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await app.caller(org.owner.accessToken).orgs.get({ orgId: org.id })).org).toEqual(before);
    expect(await auditRows(org.id, "org.updated")).toEqual([]);
  });

  it("is FORBIDDEN to agents and viewers, NOT_FOUND for another org, UNAUTHORIZED anonymously", async () => {
    const org = await app.seedOrg("Guarded");
    const other = await app.seedOrg("Elsewhere");
    for (const role of ["agent", "viewer"] as const) {
      await expect(
        app.caller(org[role].accessToken).orgs.update({ orgId: org.id, name: "Mine now" }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(
      app.caller(org.owner.accessToken).orgs.update({ orgId: other.id, name: "Mine now" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(app.caller().orgs.update({ orgId: org.id, name: "Mine now" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect((await app.caller(other.owner.accessToken).orgs.get({ orgId: other.id })).org).toMatchObject({
      name: "Elsewhere",
    });
    expect(await auditRows(org.id, "org.updated")).toEqual([]);
  });
});
