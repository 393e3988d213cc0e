import { createLogger, createMailer, type Mailer } from "@kyro/platform";
import { mailBody, mailHeader, type SmtpCapture, startSmtpCapture } from "@kyro/platform/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

/** Email actions through the real mailer to an SMTP server on loopback. */

let smtp: SmtpCapture;
let mailer: Mailer;
let app: TestApp;
let org: SeededOrg;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  mailer = createMailer({
    smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
    from: "actions@kyro.test",
    logger: createLogger({ level: "silent" }),
  });
  app = await createTestApp({ mailer, worker: true });
  org = await app.seedOrg("Email actions");
});
afterAll(async () => {
  await app?.close();
  mailer?.close();
  await smtp?.close();
});

describe("email actions", () => {
  it("mails every recipient with the templates filled in, as a queued run on a bot's behalf", async () => {
    const admin = app.caller(org.admin.accessToken);
    const { action } = await admin.actions.create({
      orgId: org.id,
      name: "Callback request",
      paramSchema: {
        type: "object",
        properties: { name: { type: "string" }, phone: { type: "string", pattern: "^[0-9 +]+$" } },
        required: ["name", "phone"],
      },
      config: {
        type: "email",
        recipients: ["sales@example.test", "lead@example.test"],
        subjectTemplate: "Call back {{name}}",
        bodyTemplate: "Please call {{name}} on {{phone}}.\nThanks",
      },
    });
    const { bot } = await admin.bots.create({
      orgId: org.id,
      name: "Mailer bot",
      config: { allowedActionIds: [action.id] },
    });
    await admin.actions.update({ orgId: org.id, actionId: action.id, allowedBotIds: [bot.id] });
    const { run } = await admin.actions.run({
      orgId: org.id,
      actionId: action.id,
      botId: bot.id,
      input: { name: "Ada\r\nBcc: evil@example.test", phone: "+44 20 7946 0000" },
    });
    const mails = await vi.waitFor(
      () => {
        if (smtp.received.length < 2) throw new Error(`${smtp.received.length} mails so far`);
        return smtp.received;
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(mails.flatMap((mail) => mail.rcptTo).sort()).toEqual(["lead@example.test", "sales@example.test"]);
    for (const mail of mails) {
      // A line break in a parameter cannot add a header (or a recipient) to the mail.
      expect(mailHeader(mail.raw, "Subject")).toBe("Call back Ada  Bcc: evil@example.test");
      expect(mail.rcptTo).not.toContain("evil@example.test");
      expect(mailBody(mail.raw)).toContain("Please call Ada\r\nBcc: evil@example.test on +44 20 7946 0000.");
    }
    const finished = await vi.waitFor(
      async () => {
        const { run: current } = await admin.actions.getRun({ orgId: org.id, runId: run.id });
        if (current.status !== "succeeded") throw new Error(current.status);
        return current;
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(finished.output).toEqual({
      httpStatus: null,
      body: null,
      truncated: false,
      recipients: ["sales@example.test", "lead@example.test"],
    });
  });
});
