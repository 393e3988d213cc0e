import { randomBytes } from "node:crypto";
import { and, asc, auditEvents, eq } from "@kyro/db";
import { TRPCError } from "@trpc/server";
import { describeError, type ErrorCode } from "../src/core/errors";
import type { SessionResult, UserMeResult } from "../src/domains/auth/schemas";
import type { Caller, TestApp } from "./harness";

export const STRONG_PASSWORD = "violet-lantern-harbor-91";

export function uniqueEmail(label = "user"): string {
  return `${label}-${randomBytes(5).toString("hex")}@example.test`;
}

export interface Failure {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown> | null;
}

/** Awaits a call that must fail and returns its code, message and AppError details. */
export async function failureOf(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const { code, message, details } = describeError(error);
    return { code, message, details: details as Failure["details"] };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

export async function auditRows(app: TestApp, filter: { action: string; actorId?: string }) {
  return app.database.db
    .select({
      orgId: auditEvents.orgId,
      actorType: auditEvents.actorType,
      actorId: auditEvents.actorId,
      actorLabel: auditEvents.actorLabel,
      action: auditEvents.action,
      resourceType: auditEvents.resourceType,
      resourceId: auditEvents.resourceId,
      requestId: auditEvents.requestId,
      ip: auditEvents.ip,
      diff: auditEvents.diff,
    })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.action, filter.action),
        filter.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
      ),
    )
    .orderBy(asc(auditEvents.id));
}

/** auth.me for a signed-in user; fails when the caller turns out to be anything else. */
export async function userMe(caller: Caller): Promise<UserMeResult> {
  const me = await caller.auth.me();
  if (me.kind !== "user") throw new Error(`expected a user principal, got ${me.kind}`);
  return me;
}

export type MailedPage = "verify-email" | "reset-password";

/** The token of the newest `page` link mailed to `email` (the harness's recording mailer). */
export function mailedToken(app: TestApp, email: string, page: MailedPage): string {
  const link = new RegExp(`/console/${page}\\?token=([^\\s]+)`);
  for (const message of [...app.mailer.sent].reverse()) {
    if (message.to !== email) continue;
    const token = link.exec(message.text)?.[1];
    if (token) return decodeURIComponent(token);
  }
  throw new Error(`no ${page} link was mailed to ${email}`);
}

let signupIp = 0;

/** A fresh address (in 100.64.0.0/10, which no other test uses) per call: sign-ups count per IP. */
export function nextSignupIp(): string {
  signupIp += 1;
  return `100.${64 + ((signupIp >> 16) & 63)}.${(signupIp >> 8) & 255}.${signupIp & 255}`;
}

/** Signs up and follows the mailed verification link, as a new user does: returns that session. */
export async function signUpVerified(
  app: TestApp,
  input: { email?: string; password?: string; name?: string } = {},
): Promise<SessionResult> {
  const email = input.email ?? uniqueEmail();
  const ip = nextSignupIp();
  const answer = await app
    .caller(null, { ip })
    .auth.signup({ email, password: input.password ?? STRONG_PASSWORD, name: input.name });
  const token = mailedToken(app, answer.email, "verify-email");
  return app.caller(null, { ip }).auth.verifyEmail({ token, password: input.password ?? STRONG_PASSWORD });
}
