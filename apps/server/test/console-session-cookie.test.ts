import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/** The console's browser session over real HTTP: the refresh token only ever travels in its cookie. */

let server: TestServer;
let email: string;
let password: string;
beforeAll(async () => {
  server = await startTestServer();
  const user = await server.app.seedUser();
  email = user.email;
  password = user.password;
});
afterAll(() => server?.close());

async function call(path: string, input: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json: input }),
  });
  const body = (await res.json()) as { result?: { data: { json: Record<string, unknown> } } };
  return { res, data: body.result?.data.json, setCookie: res.headers.get("set-cookie") };
}

/** The `name=value` part of a Set-Cookie header, as a browser sends it back. */
function cookieOf(setCookie: string | null): string {
  const pair = setCookie?.split(";")[0];
  if (!pair) throw new Error("no Set-Cookie");
  return pair;
}

async function me(accessToken: unknown) {
  const res = await fetch(`${server.url}/trpc/auth.me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return res.status;
}

describe("refresh cookie", () => {
  it("cookieLogin sets an HttpOnly, SameSite=Strict cookie scoped to the refresh route and leaves the token out of the body", async () => {
    const { res, data, setCookie } = await call("auth.cookieLogin", { email, password });
    expect(res.status).toBe(200);
    expect(data).not.toHaveProperty("refreshToken");
    expect(await me(data?.accessToken)).toBe(200);
    const attributes = setCookie?.split("; ") ?? [];
    expect(attributes[0]).toMatch(/^kyro_refresh=kyro_rt_/);
    expect(attributes).toContain("Path=/trpc/auth.cookieRefresh");
    expect(attributes).toContain("HttpOnly");
    expect(attributes).toContain("SameSite=Strict");
    expect(attributes.some((attribute) => attribute.startsWith("Max-Age="))).toBe(true);
    // Plain HTTP outside production: a Secure cookie would be dropped.
    expect(attributes).not.toContain("Secure");
  });

  it("cookieRefresh rotates the cookie, and a replayed old cookie revokes the session", async () => {
    const login = await call("auth.cookieLogin", { email, password });
    const first = cookieOf(login.setCookie);
    const renewed = await call("auth.cookieRefresh", undefined, { cookie: first });
    expect(renewed.res.status).toBe(200);
    expect(renewed.data).not.toHaveProperty("refreshToken");
    expect(await me(renewed.data?.accessToken)).toBe(200);
    const second = cookieOf(renewed.setCookie);
    expect(second).not.toBe(first);

    const replay = await call("auth.cookieRefresh", undefined, { cookie: first });
    expect(replay.res.status).toBe(401);
    expect(replay.setCookie).toBeNull();
    // Reuse of a rotated token ends the whole session: the newest cookie is dead too.
    expect((await call("auth.cookieRefresh", undefined, { cookie: second })).res.status).toBe(401);
  });

  it("cookieRefresh without the cookie is refused like an invalid token", async () => {
    const { res } = await call("auth.cookieRefresh", undefined);
    expect(res.status).toBe(401);
  });

  it("logout clears the cookie and ends the session", async () => {
    const login = await call("auth.cookieLogin", { email, password });
    const cookie = cookieOf(login.setCookie);
    const out = await call("auth.logout", undefined, { authorization: `Bearer ${login.data?.accessToken}` });
    expect(out.res.status).toBe(200);
    expect(out.setCookie).toMatch(/^kyro_refresh=; Max-Age=0; Path=\/trpc\/auth\.cookieRefresh; HttpOnly;/);
    expect((await call("auth.cookieRefresh", undefined, { cookie })).res.status).toBe(401);
  });

  it("leaves the SDK's body-token flow as it was: no cookie, the token in the body", async () => {
    const login = await call("auth.login", { email, password });
    expect(login.setCookie).toBeNull();
    expect(login.data?.refreshToken).toMatch(/^kyro_rt_/);
    const renewed = await call("auth.refresh", { refreshToken: login.data?.refreshToken });
    expect(renewed.setCookie).toBeNull();
    expect(renewed.data?.refreshToken).toMatch(/^kyro_rt_/);
  });
});

describe("refresh cookie in production", () => {
  let secure: TestServer;
  beforeAll(async () => {
    secure = await startTestServer({ secureCookies: true });
  });
  afterAll(() => secure?.close());

  it("is Secure", async () => {
    const user = await secure.app.seedUser();
    const res = await fetch(`${secure.url}/trpc/auth.cookieLogin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email: user.email, password: user.password } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")?.split("; ")).toContain("Secure");
  });
});
