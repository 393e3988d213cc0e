import { and, auditEvents, eq, invitations, memberships } from "@kyro/db";
import { hmacSha256 } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../harness";

const PUBLIC_URL = "https://console.kyro.test";
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ settings: { publicUrl: PUBLIC_URL, invitationTtlHours: 48 } });
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

let emailCounter = 0;
const freshEmail = () => `invitee-${++emailCounter}-${Date.now()}@example.test`;

describe("orgs.members.invite", () => {
  it("stores only the token's HMAC, mails the link and audits the invitation", async () => {
    const org = await app.seedOrg("Inviting Co");
    const email = freshEmail();
    const before = Date.now();
    const result = await app
      .caller(org.admin.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "agent" });

    expect(result.token).toMatch(/^kyro_inv_[A-Za-z0-9_-]{43}$/);
    expect(result.emailSent).toBe(true);
    expect(result.invitation).toMatchObject({
      email,
      role: "agent",
      status: "pending",
      invitedBy: org.admin.id,
    });
    const ttl = result.invitation.expiresAt.getTime() - before;
    expect(ttl).toBeGreaterThan(47.9 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(48 * 3_600_000 + 60_000);

    const [stored] = await app.database.db
      .select({ tokenHash: invitations.tokenHash, email: invitations.email })
      .from(invitations)
      .where(eq(invitations.id, result.invitation.id));
    expect(stored?.tokenHash).toBe(hmacSha256(app.deps.hmacKeys.invitation, result.token));
    expect(stored?.tokenHash).not.toContain(result.token);

    const mail = app.mailer.sent.find((message) => message.to === email);
    expect(mail?.subject).toContain("Inviting Co");
    expect(mail?.text).toContain(`${PUBLIC_URL}/console/accept-invitation?token=${result.token}`);
    expect(mail?.text).toContain("Inviting Co");
    expect(mail?.text).toContain("as agent");

    expect(await auditRows(org.id, "member.invited")).toEqual([
      {
        actorId: org.admin.id,
        resourceId: result.invitation.id,
        diff: {
          before: null,
          after: {
            email,
            role: "agent",
            expiresAt: result.invitation.expiresAt.toISOString(),
            replacedInvitationIds: [],
          },
        },
      },
    ]);
  });

  it("normalizes the email and binds the invitation to it", async () => {
    const org = await app.seedOrg("Normalize");
    const { invitation } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email: "  Mixed.Case@Example.TEST ", role: "viewer" });
    expect(invitation.email).toBe("mixed.case@example.test");
    await expect(
      app
        .caller(org.owner.accessToken)
        .orgs.members.invite({ orgId: org.id, email: "not-an-email", role: "viewer" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("replaces a pending invitation for the same email, revoking the old token", async () => {
    const org = await app.seedOrg("Reinvite");
    const email = freshEmail();
    const owner = app.caller(org.owner.accessToken).orgs.members;
    const first = await owner.invite({ orgId: org.id, email, role: "viewer" });
    const second = await owner.invite({ orgId: org.id, email, role: "admin" });

    const listed = await app.caller(org.owner.accessToken).orgs.invitations.list({ orgId: org.id });
    expect(listed.items.map((invitation) => [invitation.id, invitation.role])).toEqual([
      [second.invitation.id, "admin"],
    ]);
    const [audit] = (await auditRows(org.id, "member.invited")).filter(
      (row) => row.resourceId === second.invitation.id,
    );
    expect(audit?.diff?.after).toMatchObject({ replacedInvitationIds: [first.invitation.id] });

    const invitee = await app.seedUser({ email });
    await expect(
      app.caller(invitee.accessToken).orgs.members.acceptInvite({ token: first.token }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await app.caller(invitee.accessToken).orgs.members.acceptInvite({ token: second.token })).toEqual({
      orgId: org.id,
      role: "admin",
    });
  });

  it("keeps one pending invitation per email when invites race", async () => {
    const org = await app.seedOrg("Race invite");
    const email = freshEmail();
    const results = await Promise.allSettled(
      (["viewer", "agent", "admin"] as const).map((role) =>
        app.caller(org.owner.accessToken).orgs.members.invite({ orgId: org.id, email, role }),
      ),
    );
    expect(results.some((result) => result.status === "fulfilled")).toBe(true);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "CONFLICT" });
    }
    const listed = await app.caller(org.owner.accessToken).orgs.invitations.list({ orgId: org.id });
    expect(listed.items).toHaveLength(1);
  });

  it("refuses to invite someone who is already a member", async () => {
    const org = await app.seedOrg("Already");
    await expect(
      app
        .caller(org.owner.accessToken)
        .orgs.members.invite({ orgId: org.id, email: org.viewer.email.toUpperCase(), role: "admin" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await app.caller(org.owner.accessToken).orgs.invitations.list({ orgId: org.id })).toMatchObject({
      items: [],
    });
  });

  it("lets only an owner invite an owner", async () => {
    const org = await app.seedOrg("Owner invite");
    const email = freshEmail();
    await expect(
      app.caller(org.admin.accessToken).orgs.members.invite({ orgId: org.id, email, role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(app.mailer.sent.some((message) => message.to === email)).toBe(false);
    expect(await auditRows(org.id, "member.invited")).toEqual([]);

    const { token } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "owner" });
    const invitee = await app.seedUser({ email });
    await app.caller(invitee.accessToken).orgs.members.acceptInvite({ token });
    expect(await roleOf(org.id, invitee.id)).toBe("owner");
  });

  it("is FORBIDDEN to agents and viewers, NOT_FOUND for another org, UNAUTHORIZED anonymously", async () => {
    const org = await app.seedOrg("Invite guard");
    const other = await app.seedOrg("Other");
    const email = freshEmail();
    for (const role of ["agent", "viewer"] as const) {
      await expect(
        app.caller(org[role].accessToken).orgs.members.invite({ orgId: org.id, email, role: "viewer" }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(
      app.caller(org.owner.accessToken).orgs.members.invite({ orgId: other.id, email, role: "viewer" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      app.caller().orgs.members.invite({ orgId: org.id, email, role: "viewer" }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const rows = await app.database.db
      .select({ id: invitations.id })
      .from(invitations)
      .where(eq(invitations.email, email));
    expect(rows).toEqual([]);
  });
});

describe("orgs.members.acceptInvite", () => {
  it("works for someone who signs up after being invited, once, and audits the join", async () => {
    const org = await app.seedOrg("Welcome");
    const email = freshEmail();
    const { token, invitation } = await app
      .caller(org.admin.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "agent" });

    const invitee = await app.seedUser({ email });
    expect(await app.caller(invitee.accessToken).orgs.members.acceptInvite({ token })).toEqual({
      orgId: org.id,
      role: "agent",
    });
    expect((await app.caller(invitee.accessToken).orgs.get({ orgId: org.id })).org).toMatchObject({
      role: "agent",
    });
    expect(await auditRows(org.id, "member.joined")).toEqual([
      {
        actorId: invitee.id,
        resourceId: invitee.id,
        diff: { before: null, after: { email, role: "agent", invitationId: invitation.id } },
      },
    ]);
    const pending = await app.caller(org.admin.accessToken).orgs.invitations.list({ orgId: org.id });
    expect(pending.items).toEqual([]);
    const listed = await app.caller(org.admin.accessToken).orgs.members.list({ orgId: org.id });
    expect(listed.items.find((member) => member.userId === invitee.id)?.role).toBe("agent");

    await expect(app.caller(invitee.accessToken).orgs.members.acceptInvite({ token })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("works for an existing account, whatever case the invite used", async () => {
    const org = await app.seedOrg("Existing");
    const existing = await app.seedUser();
    const { token } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email: existing.email.toUpperCase(), role: "viewer" });
    expect(await app.caller(existing.accessToken).orgs.members.acceptInvite({ token })).toEqual({
      orgId: org.id,
      role: "viewer",
    });
  });

  it("is FORBIDDEN to a user with another email, and stays usable by the right one", async () => {
    const org = await app.seedOrg("Wrong email");
    const email = freshEmail();
    const { token } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "viewer" });
    const intruder = await app.seedUser();
    await expect(app.caller(intruder.accessToken).orgs.members.acceptInvite({ token })).rejects.toMatchObject(
      {
        code: "FORBIDDEN",
        message: expect.stringMatching(/different email/i),
      },
    );
    expect(await roleOf(org.id, intruder.id)).toBeNull();

    const invitee = await app.seedUser({ email });
    await expect(app.caller(invitee.accessToken).orgs.members.acceptInvite({ token })).resolves.toEqual({
      orgId: org.id,
      role: "viewer",
    });
  });

  it("refuses an expired invitation with a clear BAD_REQUEST", async () => {
    const org = await app.seedOrg("Expired");
    const email = freshEmail();
    const { token, invitation } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "viewer" });
    await app.database.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(invitations.id, invitation.id));

    const invitee = await app.seedUser({ email });
    await expect(app.caller(invitee.accessToken).orgs.members.acceptInvite({ token })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/expired/i),
    });
    expect(await roleOf(org.id, invitee.id)).toBeNull();
    const listed = await app.caller(org.owner.accessToken).orgs.invitations.list({ orgId: org.id });
    expect(listed.items.map((item) => item.status)).toEqual(["expired"]);
  });

  it("answers NOT_FOUND to an unknown token", async () => {
    const user = await app.seedUser();
    for (const token of ["kyro_inv_doesnotexist", "x"]) {
      await expect(app.caller(user.accessToken).orgs.members.acceptInvite({ token })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    }
    await expect(app.caller(user.accessToken).orgs.members.acceptInvite({ token: "" })).rejects.toMatchObject(
      {
        code: "BAD_REQUEST",
      },
    );
  });

  it("answers CONFLICT when the invitee already joined another way, leaving the invitation pending", async () => {
    const org = await app.seedOrg("Joined already");
    const email = freshEmail();
    const { token } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "admin" });
    const invitee = await app.seedUser({ email, orgId: org.id, role: "viewer" });
    await expect(app.caller(invitee.accessToken).orgs.members.acceptInvite({ token })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await roleOf(org.id, invitee.id)).toBe("viewer");
  });

  it("is single use under concurrent accepts", async () => {
    const org = await app.seedOrg("Race accept");
    const email = freshEmail();
    const { token, invitation } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "agent" });
    const invitee = await app.seedUser({ email });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => app.caller(invitee.accessToken).orgs.members.acceptInvite({ token })),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "NOT_FOUND" });
    }
    const joined = await auditRows(org.id, "member.joined");
    expect(joined.map((row) => row.resourceId)).toEqual([invitee.id]);
    const [stored] = await app.database.db
      .select({ acceptedBy: invitations.acceptedBy })
      .from(invitations)
      .where(eq(invitations.id, invitation.id));
    expect(stored?.acceptedBy).toBe(invitee.id);
  });

  it("requires a signed-in caller", async () => {
    const org = await app.seedOrg("Anon accept");
    const { token } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email: freshEmail(), role: "viewer" });
    await expect(app.caller().orgs.members.acceptInvite({ token })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});
