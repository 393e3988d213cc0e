import { join } from "node:path";
import { mailedToken } from "../../../scripts/dev-mail-token.mjs";

/**
 * Signs up over HTTP against a Kyro process without SMTP_URL and follows the verification link its dev
 * mailer wrote under `<dataDir>/mail`, as a new user does: resolves with the session's access token.
 */
export async function signUpThroughMailFile(
  base: string,
  dataDir: string,
  email: string,
  password = "correct-horse-battery-staple",
): Promise<string> {
  await trpcMutation(base, "auth.signup", { email, password });
  const token = await mailedToken(email, "verify-email", join(dataDir, "mail"), 30_000);
  const session = await trpcMutation<{ accessToken: string }>(base, "auth.verifyEmail", { token, password });
  return session.accessToken;
}

/** A tRPC mutation over HTTP (superjson wire format), as the SDK sends it. */
export async function trpcMutation<T>(
  base: string,
  path: string,
  input: unknown,
  token?: string,
): Promise<T> {
  const response = await fetch(`${base}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ json: input }),
  });
  const body = (await response.json()) as { result?: { data: { json: T } } };
  if (!response.ok || !body.result) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body.result.data.json;
}
