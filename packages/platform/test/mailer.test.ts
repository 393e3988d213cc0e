import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger";
import { createMailer } from "../src/mailer";
import { mailBody as body, mailHeader as header, type SmtpCapture, startSmtpCapture } from "./smtp-capture";

let smtp: SmtpCapture;
let port: number;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  port = smtp.port;
});

afterAll(async () => {
  await smtp?.close();
});

describe("createMailer over SMTP", () => {
  it("delivers the message to the SMTP server with sender, recipient, subject and body", async () => {
    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: "Kyro <no-reply@kyro.test>",
      logger: createLogger({ level: "silent" }),
    });
    const longLine = `Open https://console.kyro.test/invitations/accept?token=kyro_inv_${"a".repeat(43)} to join.`;
    try {
      await mailer.send({
        to: "someone@example.test",
        subject: "Hello from Kyro",
        text: `First line\n${longLine}`,
      });
    } finally {
      mailer.close();
    }

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.mailFrom).toBe("no-reply@kyro.test");
    expect(mail?.rcptTo).toEqual(["someone@example.test"]);
    expect(header(mail?.raw ?? "", "From")).toBe("Kyro <no-reply@kyro.test>");
    expect(header(mail?.raw ?? "", "To")).toBe("someone@example.test");
    expect(header(mail?.raw ?? "", "Subject")).toBe("Hello from Kyro");
    expect(
      body(mail?.raw ?? "")
        .replace(/\r\n/g, "\n")
        .trim(),
    ).toBe(`First line\n${longLine}`);
  });

  it("rejects when the SMTP server cannot be reached", async () => {
    const closed = await startSmtpCapture();
    const closedPort = closed.port;
    await closed.close();

    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${closedPort}`,
      from: "no-reply@kyro.test",
      logger: createLogger({ level: "silent" }),
    });
    try {
      await expect(mailer.send({ to: "a@example.test", subject: "s", text: "t" })).rejects.toThrow();
    } finally {
      mailer.close();
    }
  });
});

describe("createMailer without SMTP_URL", () => {
  it("logs the message instead of sending it", async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      destination: { write: (line: string) => lines.push(line) },
    });
    const mailer = createMailer({ from: "no-reply@kyro.test", logger });
    await mailer.send({ to: "dev@example.test", subject: "Local", text: "Only in the log" });
    const entry = JSON.parse(lines[0] ?? "{}");
    expect(entry.mail).toEqual({ to: "dev@example.test", subject: "Local", text: "Only in the log" });
    expect(entry.msg).toMatch(/not sent/);
  });
});
