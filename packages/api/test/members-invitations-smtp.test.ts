import type { AddressInfo } from "node:net";
import { invitations } from "@kyro/db";
import { createLogger, createMailer, type Mailer } from "@kyro/platform";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp } from "./harness";

const PUBLIC_URL = "https://console.kyro.test";

interface ReceivedMail {
  rcptTo: string[];
  raw: string;
}

function startSmtp(received: ReceivedMail[]): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, port: (server.server.address() as AddressInfo).port }),
    );
  });
}

const stopSmtp = (server: SMTPServer) => new Promise<void>((resolve) => server.close(() => resolve()));

/** The decoded text body: nodemailer sends long lines quoted-printable (soft breaks, `=3D` for `=`). */
function decodedBody(raw: string): string {
  const [head = "", ...rest] = raw.split("\r\n\r\n");
  const content = rest.join("\r\n\r\n");
  if (!/^content-transfer-encoding:\s*quoted-printable/im.test(head)) return content;
  return content
    .replace(/=\r\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function subjectOf(raw: string): string | undefined {
  const head = (raw.split("\r\n\r\n")[0] ?? "").replace(/\r\n[ \t]+/g, " ");
  return /^Subject: (.*)$/im.exec(head)?.[1];
}

const silent = createLogger({ level: "silent" });

describe("invitation delivered over real SMTP", () => {
  const received: ReceivedMail[] = [];
  let smtp: { server: SMTPServer; port: number };
  let mailer: Mailer;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startSmtp(received);
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
    if (smtp) await stopSmtp(smtp.server);
  });

  it("mails a link whose token the invitee uses to join", async () => {
    const org = await app.seedOrg("Mail Works");
    const email = `smtp-invitee-${Date.now()}@example.test`;
    const invited = await app
      .caller(org.owner.accessToken)
      .orgs.members.invite({ orgId: org.id, email, role: "admin" });
    expect(invited.emailSent).toBe(true);

    const mail = received.find((message) => message.rcptTo.includes(email));
    expect(mail).toBeDefined();
    const raw = mail?.raw ?? "";
    expect(subjectOf(raw)).toContain("Mail Works");
    const text = decodedBody(raw);
    expect(text).toContain("Mail Works");
    expect(text).toContain("as admin");
    const token = new RegExp(`${PUBLIC_URL}/invitations/accept\\?token=(kyro_inv_[A-Za-z0-9_-]+)`).exec(
      text,
    )?.[1];
    expect(token).toBe(invited.token);

    const invitee = await app.seedUser({ email });
    expect(await app.caller(invitee.accessToken).orgs.members.acceptInvite({ token: token ?? "" })).toEqual({
      orgId: org.id,
      role: "admin",
    });
    expect(await app.caller(invitee.accessToken).orgs.get({ orgId: org.id })).toMatchObject({
      role: "admin",
    });
  });
});

describe("invitation when SMTP is down", () => {
  let mailer: Mailer;
  let app: TestApp;

  beforeAll(async () => {
    const { server, port } = await startSmtp([]);
    await stopSmtp(server);
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
