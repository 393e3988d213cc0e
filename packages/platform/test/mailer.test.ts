import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "kyro-mail-"));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("writes each message as an .eml file and logs only its recipient, subject and file", async () => {
    const mailDir = join(root, "data", "mail");
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      destination: { write: (line: string) => lines.push(line) },
    });
    const mailer = createMailer({ from: "Kyro <no-reply@kyro.test>", logger, mailDir });
    const link = `https://console.kyro.test/console/verify-email?token=kyro_ev_${"b".repeat(43)}`;
    try {
      await mailer.send({ to: "dev@example.test", subject: "Local", text: `Confirm your address:\n${link}` });
      await mailer.send({
        to: "other@example.test",
        subject: "Second",
        text: "Another one",
        messageId: "<event-2@kyro.test>",
        references: "<thread-1@kyro.test>",
      });
    } finally {
      mailer.close();
    }

    const files = (await readdir(mailDir)).sort();
    expect(files).toHaveLength(2);
    for (const file of files) expect(file).toMatch(/\.eml$/);
    const raw = await readFile(join(mailDir, files[0] ?? ""), "utf8");
    expect(header(raw, "From")).toBe("Kyro <no-reply@kyro.test>");
    expect(header(raw, "To")).toBe("dev@example.test");
    expect(header(raw, "Subject")).toBe("Local");
    expect(body(raw).replace(/\r\n/g, "\n").trim()).toBe(`Confirm your address:\n${link}`);
    const second = await readFile(join(mailDir, files[1] ?? ""), "utf8");
    expect(header(second, "To")).toBe("other@example.test");
    // A given Message-ID is kept (a resent mail is the same message); one left out is made up.
    expect(header(second, "Message-ID")).toBe("<event-2@kyro.test>");
    expect([header(second, "References"), header(second, "In-Reply-To")]).toEqual([
      "<thread-1@kyro.test>",
      "<thread-1@kyro.test>",
    ]);
    expect(header(raw, "Message-ID")).toMatch(/^<[^>]+@[^>]+>$/);
    // Only the server's user may read the files: they hold live tokens.
    expect((await stat(mailDir)).mode & 0o077).toBe(0);
    expect((await stat(join(mailDir, files[0] ?? ""))).mode & 0o077).toBe(0);

    const entries = lines.map((line) => JSON.parse(line) as { msg: string; mail?: unknown });
    expect(entries).toHaveLength(2);
    expect(entries[0]?.mail).toEqual({
      to: "dev@example.test",
      subject: "Local",
      file: join(mailDir, files[0] ?? ""),
    });
    expect(entries[0]?.msg).toMatch(/not sent/);
    expect(lines.join("\n")).not.toContain("kyro_ev_");
    expect(lines.join("\n")).not.toContain("Confirm your address");
  });

  it("refuses to start with neither an SMTP URL nor a mail directory", () => {
    expect(() =>
      createMailer({ from: "no-reply@kyro.test", logger: createLogger({ level: "silent" }) }),
    ).toThrow(/smtpUrl or mailDir/);
  });
});
