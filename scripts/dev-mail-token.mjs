// The token of the newest verification or password-reset link mailed to an address, read from the
// .eml files Kyro writes when SMTP_URL is unset (development):
//   node scripts/dev-mail-token.mjs <email> <verify-email|reset-password|accept-invitation> [mail dir, default .kyro/mail]
// Waits up to 10 s: the server writes the file just after answering. Tests import `mailedToken`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const PAGES = ["verify-email", "reset-password", "accept-invitation"];

/** Headers and body of a raw message, with folded headers joined and quoted-printable undone. */
function parse(raw) {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  let body = raw.slice(split + 4);
  if (/^content-transfer-encoding:\s*quoted-printable/im.test(head)) {
    body = body
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
  return { to: /^to: (.*)$/im.exec(head)?.[1]?.trim().toLowerCase(), body };
}

function newestToken(email, page, mailDir) {
  if (!existsSync(mailDir)) return undefined;
  const files = readdirSync(mailDir)
    .filter((name) => name.endsWith(".eml"))
    .sort()
    .reverse();
  const link = new RegExp(`/console/${page}\\?token=(\\S+)`);
  for (const file of files) {
    const mail = parse(readFileSync(join(mailDir, file), "utf8"));
    if (mail.to !== email.toLowerCase()) continue;
    const token = link.exec(mail.body)?.[1];
    if (token) return decodeURIComponent(token);
  }
  return undefined;
}

/** Waits for the newest `page` link mailed to `email` in `mailDir`; resolves with its token. */
export async function mailedToken(email, page, mailDir = ".kyro/mail", timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let token = newestToken(email, page, mailDir);
  while (!token && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    token = newestToken(email, page, mailDir);
  }
  if (!token) throw new Error(`no ${page} link to ${email} in ${mailDir}`);
  return token;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [email, page, mailDir] = process.argv.slice(2);
  if (!email || !PAGES.includes(page ?? "")) {
    process.stderr.write(
      "usage: node scripts/dev-mail-token.mjs <email> <verify-email|reset-password|accept-invitation> [mail dir]\n",
    );
    process.exit(2);
  }
  try {
    process.stdout.write(`${await mailedToken(email, page, mailDir)}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
