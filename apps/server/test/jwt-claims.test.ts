import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, deriveKey } from "@kyro/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppHandle, startApp } from "../src/app";
import { loadConfig } from "../src/config";
import { signUpThroughMailFile } from "./signup-over-http";

/**
 * Every JWT the server verifies — access tokens and widget session tokens — must carry `exp` (jose
 * checks it only when present), come from Kyro (`iss`), for that use (`aud`), signed with HS256 and
 * the key of that use. The tokens here are signed with the server's real keys (derived from a known
 * KYRO_SECRET), so the only thing wrong with each is the claim or header under test.
 */

const SECRET = randomBytes(32).toString("hex");
const PAGE = "https://shop.example.test";

type Claims = Record<string, unknown>;

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** A compact JWS made by hand, independent of the library under test. */
function sign(claims: Claims, key: Buffer, alg: "HS256" | "HS512" = "HS256"): string {
  const head = `${base64url(JSON.stringify({ alg, typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  const mac = createHmac(alg === "HS256" ? "sha256" : "sha512", key)
    .update(head)
    .digest();
  return `${head}.${base64url(mac)}`;
}

const unsigned = (claims: Claims) =>
  `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.`;

function claimsOf(token: string): Claims {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Claims;
}

function without(claims: Claims, name: string): Claims {
  const { [name]: _dropped, ...rest } = claims;
  return rest;
}

const now = () => Math.floor(Date.now() / 1000);

/** Each variant of a genuine token's claims that must be refused, with the header and key it is sent with. */
function forgeries(genuine: Claims, key: Buffer, otherKey: Buffer): [string, string][] {
  return [
    ["no exp", sign(without(genuine, "exp"), key)],
    ["exp: null", sign({ ...genuine, exp: null }, key)],
    ["exp as a string", sign({ ...genuine, exp: String(now() + 600) }, key)],
    ["exp in the past", sign({ ...genuine, iat: now() - 120, exp: now() - 60 }, key)],
    ["no iss", sign(without(genuine, "iss"), key)],
    ["another iss", sign({ ...genuine, iss: "someone-else" }, key)],
    ["no aud", sign(without(genuine, "aud"), key)],
    ["another aud", sign({ ...genuine, aud: "kyro-elsewhere" }, key)],
    ["alg none", unsigned(genuine)],
    ["HS512 with the right key", sign(genuine, key, "HS512")],
    ["the key of the other token kind", sign(genuine, otherKey)],
  ];
}

let app: AppHandle;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "kyro-jwt-"));
  const config = loadConfig({
    KYRO_DATA_DIR: dataDir,
    KYRO_SECRET: SECRET,
    PORT: "0",
    KYRO_LIMITS_ENABLED: "false",
  });
  app = await startApp(config, { logger: createLogger({ level: "silent" }) });
});
afterAll(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${app.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function signUp(): Promise<string> {
  const email = `jwt-${randomBytes(4).toString("hex")}@example.test`;
  return signUpThroughMailFile(app.url as string, dataDir, email);
}

describe("access tokens", () => {
  const accessKey = deriveKey(SECRET, "access-token");
  const widgetKey = deriveKey(SECRET, "widget-session");
  const me = (token: string) =>
    fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  let genuine: Claims;
  beforeAll(async () => {
    genuine = claimsOf(await signUp());
  });

  it("accepts the genuine claims re-signed with the server's key (the forgeries below differ only where named)", async () => {
    expect(genuine).toMatchObject({ iss: "kyro", aud: "kyro-api", exp: expect.any(Number) });
    expect((await me(sign(genuine, accessKey))).status).toBe(200);
  });

  it("refuses every forgery with 401", async () => {
    const refused: Record<string, number> = {};
    for (const [label, token] of forgeries(genuine, accessKey, widgetKey))
      refused[label] = (await me(token)).status;
    expect(refused).toEqual(Object.fromEntries(Object.keys(refused).map((label) => [label, 401])));
  });
});

describe("widget session tokens", () => {
  const accessKey = deriveKey(SECRET, "access-token");
  const widgetKey = deriveKey(SECRET, "widget-session");
  let conversationId: string;
  let genuine: Claims;
  const messages = (token: string) =>
    fetch(`${app.url}/api/v1/widget/sessions/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${token}`, origin: PAGE },
    });
  beforeAll(async () => {
    const accessToken = await signUp();
    const auth = { authorization: `Bearer ${accessToken}` };
    const org = await post<{ result: { data: { json: { org: { id: string } } } } }>(
      "/trpc/orgs.create",
      { json: { name: "JWT claims" } },
      auth,
    );
    const orgId = org.result.data.json.org.id;
    const { bot } = await post<{ bot: { id: string } }>("/api/v1/bots", { orgId, name: "Claims bot" }, auth);
    await post(
      `/api/v1/bots/${bot.id}/widget`,
      { orgId, settings: { allowedDomains: ["shop.example.test"] } },
      auth,
    );
    const session = await post<{ token: string; conversationId: string }>(
      `/api/v1/widget/${bot.id}/sessions`,
      {},
      { origin: PAGE },
    );
    conversationId = session.conversationId;
    genuine = claimsOf(session.token);
  });

  it("accepts the genuine claims re-signed with the server's key", async () => {
    expect(genuine).toMatchObject({ iss: "kyro", aud: "kyro-widget", exp: expect.any(Number) });
    expect((await messages(sign(genuine, widgetKey))).status).toBe(200);
  });

  it("refuses every forgery with 401", async () => {
    const refused: Record<string, number> = {};
    for (const [label, token] of forgeries(genuine, widgetKey, accessKey)) {
      refused[label] = (await messages(token)).status;
    }
    expect(refused).toEqual(Object.fromEntries(Object.keys(refused).map((label) => [label, 401])));
  });
});
