import type { TestServer } from "../../../apps/server/test/server-harness";
import { createKyroClient, type KyroFetch, type KyroSessionOptions, type KyroTokens } from "../src/index";

/** Shared by the SDK's tests against live servers. */

export interface SentRequest {
  procedures: string[];
  authorization: string | null;
  userAgent: string | null;
  /** The request body as sent (mutations), for checking which refresh token went out. */
  body: string | null;
}

export interface RecordingFetch {
  fetch: KyroFetch;
  sent: SentRequest[];
  calls(procedure: string): number;
}

/** A fetch that records which procedures each HTTP request carried, with which credential and body. */
export function recordingFetch(): RecordingFetch {
  const sent: SentRequest[] = [];
  const fetchImpl: KyroFetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    sent.push({
      procedures: decodeURIComponent(url.pathname.replace(/^\/trpc\//, "")).split(","),
      authorization: headers.get("authorization"),
      userAgent: headers.get("user-agent"),
      body: typeof init?.body === "string" ? init.body : null,
    });
    return fetch(input, init as RequestInit);
  };
  return {
    fetch: fetchImpl,
    sent,
    calls: (procedure) => sent.filter((request) => request.procedures.includes(procedure)).length,
  };
}

export const PASSWORD = "a long and unusual passphrase";

/** A session client that records its requests and the pairs it hands to `onTokens`. */
export function sessionClient(
  on: TestServer,
  tokens: KyroTokens,
  extra: Pick<KyroSessionOptions, "onTokens"> = {},
) {
  const recorder = recordingFetch();
  const issued: KyroTokens[] = [];
  const client = createKyroClient({
    baseUrl: on.url,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    onTokens: (pair) => {
      issued.push(pair);
    },
    fetch: recorder.fetch,
    ...extra,
  });
  return { client, recorder, issued };
}

/** Signs up and follows the mailed verification link, which answers with the session's tokens. */
export async function signUp(on: TestServer) {
  const anonymous = createKyroClient({ baseUrl: on.url });
  const password = PASSWORD;
  const { email } = await anonymous.auth.signup.mutate({
    email: `sdk-${Math.random().toString(36).slice(2)}@example.test`,
    password,
  });
  const mail = on.app.mailer.sent.find((message) => message.to === email);
  const token = decodeURIComponent(/verify-email\?token=(\S+)/.exec(mail?.text ?? "")?.[1] ?? "");
  return anonymous.auth.verifyEmail.mutate({ token, password });
}

/** Waits until the server refuses the access token (on a server with a short access-token TTL). */
export async function untilExpired(on: TestServer, accessToken: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`${on.url}/trpc/auth.me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (response.status === 401) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("access token never expired");
}

/** `auth.me` answers for a user or an API key; these tests sign in as users. */
export function asUser<T extends { kind: string }>(me: T): Extract<T, { kind: "user" }> {
  if (me.kind !== "user") throw new Error(`expected a user, got ${me.kind}`);
  return me as Extract<T, { kind: "user" }>;
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

/** The bot's reply of an exchange; a conversation owned by people answers none, which fails here. */
export function botReply<R>(exchange: { reply: R | null }): R {
  if (exchange.reply === null) throw new Error("the exchange has no bot reply");
  return exchange.reply;
}
