import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import type { Logger } from "./logger";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /**
   * `Message-ID` (`<local@domain>`). Left out, one is made up per send. A mail that may be sent again
   * (a retried job) sets a stable one, so the copies are the same message and receivers drop repeats.
   */
  messageId?: string;
  /** `References` / `In-Reply-To`: the earlier message(s) this one follows, so mail programs thread them. */
  references?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  smtpUrl?: string;
  from: string;
  logger: Logger;
  /** Where messages go as `.eml` files when `smtpUrl` is unset (development); required then. */
  mailDir?: string;
}

/**
 * Sends over SMTP when a URL is configured. Otherwise each message is written whole to `mailDir` as an
 * RFC 5322 `.eml` file (any mail program opens it) and only its recipient, subject and file are logged:
 * mails carry sign-in links and tokens, which must never reach the log.
 */
export function createMailer(options: MailerOptions): Mailer {
  if (!options.smtpUrl) {
    if (!options.mailDir) throw new Error("createMailer needs smtpUrl or mailDir");
    return createFileMailer(options.mailDir, options);
  }
  const transport = createTransport(options.smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from: options.from, ...withThreading(message) });
    },
    close() {
      transport.close();
    },
  };
}

/** nodemailer's fields for the message: `references` also becomes `In-Reply-To`. */
function withThreading({ references, ...message }: MailMessage) {
  return references ? { ...message, references, inReplyTo: references } : message;
}

function createFileMailer(mailDir: string, options: MailerOptions): Mailer {
  const transport = createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  let sequence = 0;
  return {
    async send(message) {
      const info = await transport.sendMail({ from: options.from, ...withThreading(message) });
      // Private to the server's user: the files hold live tokens.
      await mkdir(mailDir, { recursive: true, mode: 0o700 });
      // Sortable by time, unique within and across processes sharing the directory.
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const name = `${stamp}-${String(++sequence).padStart(4, "0")}-${randomBytes(3).toString("hex")}.eml`;
      const file = join(mailDir, name);
      // Written aside and renamed, so whoever watches the directory only ever sees whole messages.
      const partial = join(mailDir, `.${name}.partial`);
      await writeFile(partial, info.message as Buffer, { mode: 0o600 });
      await rename(partial, file);
      options.logger.info(
        { mail: { to: message.to, subject: message.subject, file } },
        "mail written to a file (SMTP_URL unset, not sent)",
      );
    },
    close() {
      transport.close();
    },
  };
}
