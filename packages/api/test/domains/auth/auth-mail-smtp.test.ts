import { createLogger, createMailer, type Mailer } from "@kyro/platform";
import { mailBody, mailHeader, type SmtpCapture, startSmtpCapture } from "@kyro/platform/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { nextSignupIp, STRONG_PASSWORD, uniqueEmail } from "../../auth-helpers";
import { createTestApp, type TestApp } from "../../harness";

/** Sign-up and reset mails over a real SMTP server; they are sent after the answer, so tests wait for them. */

const PUBLIC_URL = "https://console.kyro.test";
const silent = createLogger({ level: "silent" });

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

async function delivered(email: string, subject: RegExp): Promise<string> {
  return vi.waitFor(
    () => {
      const mail = smtp.received.find(
        (message) => message.rcptTo.includes(email) && subject.test(mailHeader(message.raw, "Subject") ?? ""),
      );
      if (!mail) throw new Error(`no mail to ${email} yet`);
      return mailBody(mail.raw);
    },
    { timeout: 10_000, interval: 20 },
  );
}

function linkToken(text: string, page: string): string {
  const token = new RegExp(`${PUBLIC_URL}/console/${page}\\?token=(\\S+)`).exec(text)?.[1];
  if (!token) throw new Error(`no ${page} link in:\n${text}`);
  return decodeURIComponent(token);
}

describe("account mail over SMTP", () => {
  it("delivers a verification link that signs the new user in", async () => {
    const email = uniqueEmail("smtp-signup");
    await app.caller(null, { ip: nextSignupIp() }).auth.signup({ email, password: STRONG_PASSWORD });
    const token = linkToken(await delivered(email, /confirm/i), "verify-email");
    const session = await app.caller().auth.verifyEmail({ token, password: STRONG_PASSWORD });
    expect(session.user.email).toBe(email);
  });

  it("tells the owner of a registered address about a sign-up attempt", async () => {
    const owner = await app.seedUser();
    await app
      .caller(null, { ip: nextSignupIp() })
      .auth.signup({ email: owner.email, password: STRONG_PASSWORD });
    const text = await delivered(owner.email, /tried to sign up/);
    expect(text).toContain(`${PUBLIC_URL}/console/reset-password`);
    expect(text).not.toContain("token=");
  });

  it("delivers a reset link that sets a new password", async () => {
    const user = await app.seedUser();
    await app.caller(null, { ip: nextSignupIp() }).auth.requestPasswordReset({ email: user.email });
    const token = linkToken(await delivered(user.email, /reset/i), "reset-password");
    await app.caller().auth.resetPassword({ token, newPassword: "saffron-windmill-canal-3" });
    expect(
      await app.caller().auth.login({ email: user.email, password: "saffron-windmill-canal-3" }),
    ).toHaveProperty("accessToken");
  });
});

describe("account mail when SMTP is down", () => {
  it("answers as usual and logs the failure without the message", async () => {
    const { port, close } = await startSmtpCapture();
    await close();
    const downMailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: "no-reply@kyro.test",
      logger: silent,
    });
    const down = await createTestApp({ mailer: downMailer });
    try {
      const logged = vi.spyOn(down.deps.logger, "error");
      const user = await down.seedUser();
      expect(await down.caller().auth.requestPasswordReset({ email: user.email })).toEqual({ ok: true });
      await vi.waitFor(() => expect(logged).toHaveBeenCalled(), { timeout: 10_000, interval: 20 });
      expect(logged).toHaveBeenCalledWith(
        { err: expect.any(Error), mailKind: "reset" },
        "account mail failed",
      );
    } finally {
      await down.close();
      downMailer.close();
    }
  });
});
