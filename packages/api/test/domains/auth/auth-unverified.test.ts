import { and, eq, invitations, isNull, memberships, users } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf, mailedToken, nextSignupIp, STRONG_PASSWORD, uniqueEmail } from "../../auth-helpers";
import { type Caller, createTestApp, type TestApp } from "../../harness";

/**
 * Rights that follow an email address need the address to be proven: platform-operator rights
 * (KYRO_PLATFORM_ADMINS) and invitations. Unconfirmed accounts cannot sign in, so these tests give them
 * sessions directly — the checks must hold even for a session that exists anyway.
 */

const OPERATOR = "ops@example.test";
const SECOND_OPERATOR = "root-ops@example.test";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ settings: { platformAdmins: [OPERATOR, SECOND_OPERATOR] } });
});
afterAll(async () => {
  await app?.close();
});

/** Every operator procedure, so none can be left unguarded. */
async function operatorCalls(caller: Caller, orgId: string) {
  const { admin } = caller;
  return Promise.all([
    failureOf(admin.orgs.list({})),
    failureOf(admin.orgs.get({ orgId })),
    failureOf(admin.orgs.setLimits({ orgId, limits: { requestsPerDay: 1 } })),
    failureOf(
      admin.bots.setLimits({
        orgId,
        botId: "01890000-0000-7000-8000-000000000000",
        limits: { botRequestsPerMinute: 1 },
      }),
    ),
  ]);
}

describe("platform operators", () => {
  it("are NOT_FOUND to an unconfirmed holder of an operator address, in any case, like anyone else", async () => {
    const org = await app.seedOrg();
    const outsider = await operatorCalls(app.caller(org.owner.accessToken), org.id);
    expect(outsider.map((failure) => failure.code)).toEqual([
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
    ]);

    // A squatter who signed up first with the operator's address, spelled in another case.
    const squatter = await app.seedUser({ email: "OPS@Example.TEST", verified: false });
    expect(await operatorCalls(app.caller(squatter.accessToken), org.id)).toEqual(outsider);
  });

  it("cannot be had by signing up with the operator's address", async () => {
    const org = await app.seedOrg();
    const email = `  ${OPERATOR.toUpperCase()} `;
    expect(
      await app.caller(null, { ip: nextSignupIp() }).auth.signup({ email, password: STRONG_PASSWORD }),
    ).toEqual({ verificationRequired: true, email: OPERATOR });
    // No session comes back, and the account cannot sign in until the mailbox owner confirms it.
    expect(
      (
        await failureOf(
          app.caller(null, { ip: nextSignupIp() }).auth.login({ email, password: STRONG_PASSWORD }),
        )
      ).code,
    ).toBe("UNAUTHORIZED");

    // Once the owner of the mailbox follows the link, the rights are theirs.
    const session = await app
      .caller(null, { ip: nextSignupIp() })
      .auth.verifyEmail({ token: mailedToken(app, OPERATOR, "verify-email"), password: STRONG_PASSWORD });
    const orgs = await app.caller(session.accessToken).admin.orgs.list({});
    expect(orgs.items.map((item) => item.id)).toContain(org.id);
  });

  it("follow the verified timestamp on every request, not the session", async () => {
    const org = await app.seedOrg();
    const operator = await app.seedUser({ email: SECOND_OPERATOR, verified: false });
    const caller = app.caller(operator.accessToken);
    expect((await failureOf(caller.admin.orgs.get({ orgId: org.id }))).code).toBe("NOT_FOUND");
    await app.database.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, operator.id));
    expect(await caller.admin.orgs.get({ orgId: org.id })).toMatchObject({ org: { id: org.id } });
  });
});

describe("orgs.members.acceptInvite", () => {
  it("is FORBIDDEN to an unconfirmed account, and the invitation stays usable once confirmed", async () => {
    const org = await app.seedOrg("Confirm first");
    const email = uniqueEmail("invitee");
    const { token, invitation } = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "agent" });
    const invitee = await app.seedUser({ email, verified: false });

    expect(await failureOf(app.caller(invitee.accessToken).orgs.members.acceptInvite({ token }))).toEqual({
      code: "FORBIDDEN",
      message: "Confirm your email address before accepting invitations",
      details: { reason: "unverified" },
    });
    const membership = await app.database.db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, invitee.id)));
    expect(membership).toEqual([]);
    const pending = await app.database.db
      .select({ id: invitations.id })
      .from(invitations)
      .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt)));
    expect(pending).toHaveLength(1);

    await app.database.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, invitee.id));
    expect(await app.caller(invitee.accessToken).orgs.members.acceptInvite({ token })).toEqual({
      orgId: org.id,
      role: "agent",
    });
  });
});
