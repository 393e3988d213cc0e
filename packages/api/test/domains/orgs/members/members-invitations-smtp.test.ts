import { eq, invitations } from "@kyro/db";
import { createLogger, createMailer, type Mailer } from "@kyro/platform";
import { mailBody, mailHeader, type SmtpCapture, startSmtpCapture } from "@kyro/platform/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp } from "../../../harness";

const PUBLIC_URL = "https://console.kyro.test";

const silent = createLogger({ level: "silent" });

describe("invitation delivered over real SMTP", () => {
  let smtp: SmtpCapture;
  let mailer: Mailer;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      from: "no-reply@kyro.test",
      logger: silent,
    });
    app = await createTestApp({ mailer, settings: { publicUrl: PUBLIC_URL } });
  });
  afterAll(async () => {
    await app?.close();
    mailer?.close();
    await smtp?.close();
  });

  it("mails a link whose token the invitee uses to join", async () => {
    const org = await app.seedOrg("Mail Works");
    const email = `smtp-invitee-${Date.now()}@example.test`;
    const invited = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "admin" });
    expect(invited.emailSent).toBe(true);

    const mail = smtp.received.find((message) => message.rcptTo.includes(email));
    expect(mail).toBeDefined();
    const raw = mail?.raw ?? "";
    expect(mailHeader(raw, "Subject")).toContain("Mail Works");
    const text = mailBody(raw);
    expect(text).toContain("Mail Works");
    expect(text).toContain("as admin");
    const token = new RegExp(
      `${PUBLIC_URL}/console/accept-invitation\\?token=(kyro_inv_[A-Za-z0-9_-]+)`,
    ).exec(text)?.[1];
    expect(token).toBe(invited.token);

    const invitee = await app.seedUser({ email });
    expect(await app.caller(invitee.accessToken).orgs.members.acceptInvite({ token: token ?? "" })).toEqual({
      orgId: org.id,
      role: "admin",
    });
    expect((await app.caller(invitee.accessToken).orgs.get({ orgId: org.id })).org).toMatchObject({
      role: "admin",
    });
  });
});

describe("invitation when SMTP is down", () => {
  let mailer: Mailer;
  let app: TestApp;

  beforeAll(async () => {
    const { port, close } = await startSmtpCapture();
    await close();
    mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: "no-reply@kyro.test",
      logger: silent,
    });
    app = await createTestApp({ mailer });
  });
  afterAll(async () => {
    await app?.close();
    mailer?.close();
  });

  it("keeps the invitation, logs the failure and still returns a usable token", async () => {
    const org = await app.seedOrg("Mail Down");
    const logged = vi.spyOn(app.deps.logger, "error");
    const email = `down-${Date.now()}@example.test`;
    const invited = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "viewer" });
    expect(invited.emailSent).toBe(false);
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ orgId: org.id, invitationId: invited.invitation.id, err: expect.any(Error) }),
      "invitation mail failed",
    );

    const [stored] = await app.database.db
      .select({ revokedAt: invitations.revokedAt })
      .from(invitations)
      .where(eq(invitations.id, invited.invitation.id));
    expect(stored).toEqual({ revokedAt: null });
    const invitee = await app.seedUser({ email });
    expect(await app.caller(invitee.accessToken).orgs.members.acceptInvite({ token: invited.token })).toEqual(
      { orgId: org.id, role: "viewer" },
    );
  });
});
