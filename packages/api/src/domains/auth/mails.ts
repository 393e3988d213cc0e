import type { MailMessage } from "@kyro/platform";
import type { AppDeps } from "../../core/deps";

type Settings = AppDeps["settings"];

function consoleLink(settings: Settings, page: string, token?: string): string {
  const base = `${settings.publicUrl.replace(/\/+$/, "")}/console/${page}`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

export function verificationMail(
  settings: Settings,
  to: string,
  token: string,
  expiresAt: Date,
): MailMessage {
  return {
    to,
    subject: "Confirm your email address for Kyro",
    text: [
      "Someone, hopefully you, created a Kyro account with this address.",
      "",
      `Confirm the address to finish signing up: ${consoleLink(settings, "verify-email", token)}`,
      "",
      `The link works once, until ${expiresAt.toUTCString()}.`,
      "If you did not sign up, ignore this message: the account stays unusable without the link.",
    ].join("\n"),
  };
}

/** To the owner of a registered address when someone signs up with it: no account is created. */
export function signupAttemptMail(settings: Settings, to: string): MailMessage {
  return {
    to,
    subject: "Someone tried to sign up for Kyro with your address",
    text: [
      "Someone just tried to create a Kyro account with this address, which already has one.",
      "",
      `If it was you, sign in: ${consoleLink(settings, "login")}`,
      `Forgot your password? Reset it: ${consoleLink(settings, "reset-password")}`,
      "",
      "If it was not you, nothing has changed and you can ignore this message.",
    ].join("\n"),
  };
}

export function passwordResetMail(
  settings: Settings,
  to: string,
  token: string,
  expiresAt: Date,
): MailMessage {
  return {
    to,
    subject: "Reset your Kyro password",
    text: [
      "Someone, hopefully you, asked to reset the password of the Kyro account with this address.",
      "",
      `Choose a new password: ${consoleLink(settings, "reset-password", token)}`,
      "",
      `The link works once, until ${expiresAt.toUTCString()}. Resetting signs you out everywhere.`,
      "If you did not ask for it, ignore this message: your password stays as it is.",
    ].join("\n"),
  };
}

/**
 * Sends without making the caller wait: the answer to these anonymous requests must take the same time
 * whether or not a mail goes out (otherwise the delay tells which addresses have accounts). A failed send
 * is logged without the message, which holds a live token.
 */
export function sendInBackground(deps: AppDeps, message: MailMessage, kind: string): void {
  deps.mailer.send(message).catch((error: unknown) => {
    deps.logger.error({ err: error, mailKind: kind }, "account mail failed");
  });
}
