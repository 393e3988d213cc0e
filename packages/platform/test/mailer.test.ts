import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger";
import { createMailer } from "../src/mailer";

interface ReceivedMail {
  mailFrom: string | null;
  rcptTo: string[];
  raw: string;
}

const received: ReceivedMail[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

function header(raw: string, name: string): string | undefined {
  const head = raw.split("\r\n\r\n")[0] ?? "";
  const unfolded = head.replace(/\r\n[ \t]+/g, " ");
  return new RegExp(`^${name}: (.*)$`, "im").exec(unfolded)?.[1];
}

/** The body with quoted-printable undone: nodemailer uses it for lines longer than 76 characters. */
function body(raw: string): string {
  const [head = "", ...rest] = raw.split("\r\n\r\n");
  const content = rest.join("\r\n\r\n");
  if (!/^content-transfer-encoding:\s*quoted-printable/im.test(head)) return content;
  return content
    .replace(/=\r\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

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

    expect(received).toHaveLength(1);
    const [mail] = received;
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
    const closed = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
    });
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const closedPort = (closed.server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

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
