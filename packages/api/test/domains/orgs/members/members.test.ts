import { and, auditEvents, eq, memberships, refreshTokenFamilies } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type SeededOrg, type TestApp } from "../../../harness";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

async function auditRows(orgId: string, action: string) {
  return app.database.db
    .select({ actorId: auditEvents.actorId, resourceId: auditEvents.resourceId, diff: auditEvents.diff })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

async function roleOf(orgId: string, userId: string) {
  const [row] = await app.database.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  return row?.role ?? null;
}

async function ownerCount(orgId: string) {
  const rows = await app.database.db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")));
  return rows.length;
}

/** A second owner, so last-owner rules do not get in the way. */
async function addOwner(org: SeededOrg) {
  return app.seedUser({ orgId: org.id, role: "owner" });
}

describe("orgs.members.list", () => {
  it("lists members with email, name, role and join time to every member", async () => {
    const org = await app.seedOrg("Listing");
    const { items: members, nextCursor } = await app
      .caller(org.viewer.accessToken)
      .orgs.members.list({ orgId: org.id });
    expect(nextCursor).toBeNull();
    expect(members).toHaveLength(4);
    const byRole = Object.fromEntries(members.map((member) => [member.role, member]));
    for (const role of ["owner", "admin", "agent", "viewer"] as const) {
      expect(byRole[role]).toEqual({
        userId: org[role].id,
        email: org[role].email,
        name: org[role].email.split("@")[0],
        role,
        joinedAt: expect.any(Date),
      });
    }
  });

  it("pages members oldest first with an opaque cursor", async () => {
    const org = await app.seedOrg("Paging members");
    const caller = app.caller(org.viewer.accessToken).orgs.members;
    const first = await caller.list({ orgId: org.id, limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await caller.list({ orgId: org.id, limit: 3, cursor: first.nextCursor ?? "" });
    expect(rest).toMatchObject({ nextCursor: null });
    const all = await caller.list({ orgId: org.id });
    expect([...first.items, ...rest.items]).toEqual(all.items);
  });

  it("lists pending invitations, never their token hashes, to members who manage members", async () => {
    const org = await app.seedOrg("Pending");
    const { invitation } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email: "pending@example.test", role: "agent" });
    for (const role of ["owner", "admin"] as const) {
      const listed = await app.caller(org[role].accessToken).orgs.invitations.list({ orgId: org.id });
      expect(listed.items).toEqual([
        {
          id: invitation.id,
          email: "pending@example.test",
          role: "agent",
          status: "pending",
          invitedBy: org.owner.id,
          createdAt: expect.any(Date),
          expiresAt: invitation.expiresAt,
        },
      ]);
      expect(JSON.stringify(listed)).not.toMatch(/hash/i);
    }
    await expect(
      app.caller(org.agent.accessToken).orgs.invitations.list({ orgId: org.id }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("is NOT_FOUND for another org and UNAUTHORIZED anonymously", async () => {
    const org = await app.seedOrg();
    const other = await app.seedOrg("Other");
    await expect(
      app.caller(org.owner.accessToken).orgs.members.list({ orgId: other.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(app.caller().orgs.members.list({ orgId: org.id })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});

describe("orgs.members.updateRole", () => {
  it("promotes a member, who holds the new permissions on the very next call", async () => {
    const org = await app.seedOrg("Promotion");
    await expect(
      app.caller(org.agent.accessToken).orgs.update({ orgId: org.id, name: "Agent was here" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    const { member: promoted } = await app
      .caller(org.owner.accessToken)
      .orgs.members.updateRole({ orgId: org.id, userId: org.agent.id, role: "admin" });
    expect(promoted).toMatchObject({ userId: org.agent.id, email: org.agent.email, role: "admin" });

    // Same access token as before: the role is read on every request, not baked into the token.
    expect(
      (await app.caller(org.agent.accessToken).orgs.update({ orgId: org.id, name: "Agent was here" })).org,
    ).toMatchObject({ role: "admin", name: "Agent was here" });
    expect(await auditRows(org.id, "member.role_changed")).toEqual([
      {
        actorId: org.owner.id,
        resourceId: org.agent.id,
        diff: {
          before: { email: org.agent.email, role: "agent" },
          after: { email: org.agent.email, role: "admin" },
        },
      },
    ]);
  });

  it("demotion takes effect on the next call", async () => {
    const org = await app.seedOrg("Demotion");
    await app
      .caller(org.owner.accessToken)
      .orgs.members.updateRole({ orgId: org.id, userId: org.admin.id, role: "viewer" });
    await expect(
      app
        .caller(org.admin.accessToken)
        .orgs.members.invite({ orgId: org.id, email: "x@example.test", role: "viewer" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("lets an admin move non-owners between admin, agent and viewer", async () => {
    const org = await app.seedOrg("Admin moves");
    const admin = app.caller(org.admin.accessToken).orgs.members;
    await admin.updateRole({ orgId: org.id, userId: org.viewer.id, role: "agent" });
    await admin.updateRole({ orgId: org.id, userId: org.agent.id, role: "admin" });
    await admin.updateRole({ orgId: org.id, userId: org.agent.id, role: "viewer" });
    expect(await roleOf(org.id, org.viewer.id)).toBe("agent");
    expect(await roleOf(org.id, org.agent.id)).toBe("viewer");
  });

  it("forbids an admin to grant owner or to change an owner", async () => {
    const org = await app.seedOrg("Admin limits");
    const admin = app.caller(org.admin.accessToken).orgs.members;
    await expect(
      admin.updateRole({ orgId: org.id, userId: org.agent.id, role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      admin.updateRole({ orgId: org.id, userId: org.admin.id, role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      admin.updateRole({ orgId: org.id, userId: org.owner.id, role: "admin" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await roleOf(org.id, org.agent.id)).toBe("agent");
    expect(await roleOf(org.id, org.admin.id)).toBe("admin");
    expect(await roleOf(org.id, org.owner.id)).toBe("owner");
    expect(await auditRows(org.id, "member.role_changed")).toEqual([]);
  });

  it("lets an owner grant owner and demote another owner", async () => {
    const org = await app.seedOrg("Owner moves");
    const owner = app.caller(org.owner.accessToken).orgs.members;
    await owner.updateRole({ orgId: org.id, userId: org.admin.id, role: "owner" });
    expect(await roleOf(org.id, org.admin.id)).toBe("owner");
    await owner.updateRole({ orgId: org.id, userId: org.admin.id, role: "agent" });
    expect(await roleOf(org.id, org.admin.id)).toBe("agent");
  });

  it("refuses to demote the last owner, and allows it once there is another", async () => {
    const org = await app.seedOrg("Last owner");
    const owner = app.caller(org.owner.accessToken).orgs.members;
    await expect(
      owner.updateRole({ orgId: org.id, userId: org.owner.id, role: "admin" }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/last owner/i) });
    expect(await roleOf(org.id, org.owner.id)).toBe("owner");

    const second = await addOwner(org);
    await owner.updateRole({ orgId: org.id, userId: org.owner.id, role: "admin" });
    expect(await roleOf(org.id, org.owner.id)).toBe("admin");
    await expect(
      app
        .caller(second.accessToken)
        .orgs.members.updateRole({ orgId: org.id, userId: second.id, role: "viewer" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("lets only one of two concurrent owner self-demotions through", async () => {
    const org = await app.seedOrg("Race demote");
    const second = await addOwner(org);
    const results = await Promise.allSettled([
      app
        .caller(org.owner.accessToken)
        .orgs.members.updateRole({ orgId: org.id, userId: org.owner.id, role: "admin" }),
      app
        .caller(second.accessToken)
        .orgs.members.updateRole({ orgId: org.id, userId: second.id, role: "admin" }),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((result) => result.status === "rejected");
    expect(rejected?.reason).toMatchObject({ code: "CONFLICT" });
    expect(await ownerCount(org.id)).toBe(1);
  });

  it("answers NOT_FOUND for a user who is not a member, including a member of another org", async () => {
    const org = await app.seedOrg("Targets");
    const other = await app.seedOrg("Foreign");
    const stranger = await app.seedUser();
    for (const userId of [stranger.id, other.agent.id]) {
      await expect(
        app.caller(org.owner.accessToken).orgs.members.updateRole({ orgId: org.id, userId, role: "admin" }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    expect(await roleOf(other.id, other.agent.id)).toBe("agent");
  });

  it("is FORBIDDEN to agents and viewers, NOT_FOUND for another org, UNAUTHORIZED anonymously", async () => {
    const org = await app.seedOrg("Role guard");
    const other = await app.seedOrg("Other");
    for (const role of ["agent", "viewer"] as const) {
      await expect(
        app
          .caller(org[role].accessToken)
          .orgs.members.updateRole({ orgId: org.id, userId: org.viewer.id, role: "agent" }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(
      app
        .caller(org.owner.accessToken)
        .orgs.members.updateRole({ orgId: other.id, userId: other.viewer.id, role: "admin" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      app.caller().orgs.members.updateRole({ orgId: org.id, userId: org.viewer.id, role: "admin" }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(await roleOf(org.id, org.viewer.id)).toBe("viewer");
    expect(await roleOf(other.id, other.viewer.id)).toBe("viewer");
  });
});

describe("orgs.members.remove", () => {
  it("removes a member, who is refused on the very next call, and audits it", async () => {
    const org = await app.seedOrg("Removal");
    expect((await app.caller(org.agent.accessToken).orgs.get({ orgId: org.id })).org).toMatchObject({
      role: "agent",
    });
    await app.database.db
      .update(refreshTokenFamilies)
      .set({ activeOrgId: org.id })
      .where(eq(refreshTokenFamilies.id, org.agent.sessionId));

    expect(
      await app.caller(org.admin.accessToken).orgs.members.remove({ orgId: org.id, userId: org.agent.id }),
    ).toEqual({ orgId: org.id, userId: org.agent.id });

    await expect(app.caller(org.agent.accessToken).orgs.get({ orgId: org.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await roleOf(org.id, org.agent.id)).toBeNull();
    const [session] = await app.database.db
      .select({ activeOrgId: refreshTokenFamilies.activeOrgId })
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.id, org.agent.sessionId));
    expect(session?.activeOrgId).toBeNull();
    expect(await auditRows(org.id, "member.removed")).toEqual([
      {
        actorId: org.admin.id,
        resourceId: org.agent.id,
        diff: { before: { email: org.agent.email, role: "agent" }, after: null },
      },
    ]);
  });

  it("forbids an admin to remove an owner; an owner may remove a co-owner but not the last owner", async () => {
    const org = await app.seedOrg("Owner removal");
    await expect(
      app.caller(org.admin.accessToken).orgs.members.remove({ orgId: org.id, userId: org.owner.id }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      app.caller(org.owner.accessToken).orgs.members.remove({ orgId: org.id, userId: org.owner.id }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/last owner/i) });
    expect(await roleOf(org.id, org.owner.id)).toBe("owner");

    const second = await addOwner(org);
    await app.caller(org.owner.accessToken).orgs.members.remove({ orgId: org.id, userId: second.id });
    expect(await roleOf(org.id, second.id)).toBeNull();
    await app.caller(org.owner.accessToken).orgs.members.remove({ orgId: org.id, userId: org.admin.id });
    expect(await roleOf(org.id, org.admin.id)).toBeNull();
  });

  it("answers NOT_FOUND for a user who is not a member", async () => {
    const org = await app.seedOrg("Remove target");
    const other = await app.seedOrg("Foreign");
    await expect(
      app.caller(org.owner.accessToken).orgs.members.remove({ orgId: org.id, userId: other.viewer.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await roleOf(other.id, other.viewer.id)).toBe("viewer");
  });

  it("is FORBIDDEN to agents and viewers, NOT_FOUND for another org, UNAUTHORIZED anonymously", async () => {
    const org = await app.seedOrg("Remove guard");
    const other = await app.seedOrg("Other");
    for (const role of ["agent", "viewer"] as const) {
      await expect(
        app.caller(org[role].accessToken).orgs.members.remove({ orgId: org.id, userId: org.viewer.id }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(
      app.caller(org.owner.accessToken).orgs.members.remove({ orgId: other.id, userId: other.viewer.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      app.caller().orgs.members.remove({ orgId: org.id, userId: org.viewer.id }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(await roleOf(org.id, org.viewer.id)).toBe("viewer");
    expect(await roleOf(other.id, other.viewer.id)).toBe("viewer");
  });
});

describe("orgs.members.leave", () => {
  it("lets any member leave; the next call is refused; the event is audited", async () => {
    const org = await app.seedOrg("Leaving");
    expect(await app.caller(org.viewer.accessToken).orgs.members.leave({ orgId: org.id })).toEqual({
      orgId: org.id,
    });
    await expect(
      app.caller(org.viewer.accessToken).orgs.members.list({ orgId: org.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await auditRows(org.id, "member.left")).toEqual([
      {
        actorId: org.viewer.id,
        resourceId: org.viewer.id,
        diff: { before: { email: org.viewer.email, role: "viewer" }, after: null },
      },
    ]);
  });

  it("keeps the last owner in, lets an owner with a co-owner leave", async () => {
    const org = await app.seedOrg("Owner leaving");
    await expect(
      app.caller(org.owner.accessToken).orgs.members.leave({ orgId: org.id }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/last owner/i),
    });
    expect(await roleOf(org.id, org.owner.id)).toBe("owner");
    await addOwner(org);
    await app.caller(org.owner.accessToken).orgs.members.leave({ orgId: org.id });
    expect(await roleOf(org.id, org.owner.id)).toBeNull();
    expect(await ownerCount(org.id)).toBe(1);
  });

  it("lets only one of two owners leaving at once go", async () => {
    const org = await app.seedOrg("Race leave");
    const second = await addOwner(org);
    const results = await Promise.allSettled([
      app.caller(org.owner.accessToken).orgs.members.leave({ orgId: org.id }),
      app.caller(second.accessToken).orgs.members.leave({ orgId: org.id }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((result) => result.status === "rejected")?.reason).toMatchObject({
      code: "CONFLICT",
    });
    expect(await ownerCount(org.id)).toBe(1);
  });

  it("is NOT_FOUND for another org and UNAUTHORIZED anonymously", async () => {
    const org = await app.seedOrg("Leave guard");
    const other = await app.seedOrg("Other");
    await expect(
      app.caller(org.viewer.accessToken).orgs.members.leave({ orgId: other.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(app.caller().orgs.members.leave({ orgId: org.id })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect(await roleOf(org.id, org.viewer.id)).toBe("viewer");
  });
});
