import { describeError } from "@kyro/api";
import type { SeededOrg } from "@kyro/api/testing";
import {
  auditEvents,
  bots,
  count,
  eq,
  leads,
  refreshTokenFamilies,
  users,
  webhookEndpoints,
  widgetSettings,
} from "@kyro/db";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * Issue #7's reproductions: text Postgres cannot store (NUL, an unpaired surrogate) in each of these
 * inputs answered 500. Each must answer 400 naming the field, over tRPC (createCaller and HTTP) and
 * the REST shim, and store nothing. The class is guarded by text-input-rules.test.ts (every input).
 */

let server: TestServer;
let org: SeededOrg;
let botId: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Text rules");
  const created = await server.app.caller(org.owner.accessToken).bots.create({ orgId: org.id, name: "Kept" });
  botId = created.bot.id;
});
afterAll(async () => {
  await server?.close();
});

/** Everything the reproductions could have written. */
async function stored(): Promise<string> {
  const { db } = server.app.database;
  const counts = await Promise.all(
    [users, refreshTokenFamilies, bots, webhookEndpoints, widgetSettings, auditEvents, leads].map(
      async (table) => (await db.select({ n: count() }).from(table))[0]?.n,
    ),
  );
  const [bot] = await db
    .select({
      name: bots.name,
      description: bots.description,
      config: bots.config,
      updatedAt: bots.updatedAt,
    })
    .from(bots)
    .where(eq(bots.id, botId));
  return JSON.stringify({ counts, bot });
}

interface Reproduction {
  name: string;
  /** The issue path the 400 must name. */
  field: string;
  /** Builds the input around the refused text. */
  input: (bad: string) => Record<string, unknown>;
  procedure: string;
  anonymous?: boolean;
  /** The REST route; procedures without one (sign-up, login) are called over tRPC's HTTP endpoint. */
  rest?: { method: "GET" | "POST"; path: string };
}

const NUL = "a\u0000b";
const LONE_SURROGATE = "a\uD800b";

const reproductions: Reproduction[] = [
  {
    name: "auth.login's email (anonymous)",
    field: "email",
    procedure: "auth.login",
    anonymous: true,
    input: (bad) => ({ email: `${bad}@x.test`, password: "whatever-it-is" }),
  },
  {
    name: "auth.signup's name (anonymous)",
    field: "name",
    procedure: "auth.signup",
    anonymous: true,
    input: (bad) => ({ email: "newcomer@example.test", password: "a-long-enough-passphrase", name: bad }),
  },
  {
    name: "bots.create's description",
    field: "description",
    procedure: "bots.create",
    rest: { method: "POST", path: "/bots" },
    input: (bad) => ({ orgId: org.id, name: "New bot", description: bad }),
  },
  {
    name: "a bot's config (bots.update)",
    field: "config.persona",
    procedure: "bots.update",
    rest: { method: "POST", path: "/bots/{botId}" },
    input: (bad) => ({ orgId: org.id, botId, config: { persona: `You are ${bad}` } }),
  },
  {
    name: "the widget's launcherText",
    field: "settings.launcherText",
    procedure: "widget.setOrgDefaults",
    rest: { method: "POST", path: "/widget/defaults" },
    input: (bad) => ({ orgId: org.id, settings: { launcherText: bad } }),
  },
  {
    name: "a webhook endpoint's description",
    field: "description",
    procedure: "webhooks.endpoints.create",
    rest: { method: "POST", path: "/webhooks/endpoints" },
    input: (bad) => ({ orgId: org.id, url: "https://hooks.example.test/in", description: bad }),
  },
  ...(["action", "resourceType", "resourceId"] as const).map(
    (filter): Reproduction => ({
      name: `audit.list's ${filter} filter`,
      field: filter,
      procedure: "audit.list",
      rest: { method: "GET", path: "/audit-events" },
      input: (bad) => ({ orgId: org.id, [filter]: bad }),
    }),
  ),
  {
    name: "leads.list's email filter",
    field: "email",
    procedure: "leads.list",
    rest: { method: "GET", path: "/leads" },
    input: (bad) => ({ orgId: org.id, email: `${bad}@x.test` }),
  },
];

type Issue = { path: string; message: string };

async function viaCaller(reproduction: Reproduction, input: unknown): Promise<Issue[]> {
  const caller = server.app.caller(reproduction.anonymous ? null : org.owner.accessToken);
  const call = reproduction.procedure
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (
    input: unknown,
  ) => Promise<unknown>;
  const error = await call(input).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCError);
  const described = describeError(error);
  expect(described.status).toBe(400);
  return (described.details as { issues: Issue[] }).issues;
}

async function viaHttp(reproduction: Reproduction, input: Record<string, unknown>): Promise<Issue[]> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (!reproduction.anonymous) headers.authorization = `Bearer ${org.owner.accessToken}`;
  if (!reproduction.rest) {
    const res = await fetch(`${server.url}/trpc/${reproduction.procedure}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ json: input }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { json: { data: { details: { issues: Issue[] } } } } };
    return body.error.json.data.details.issues;
  }
  const { orgId, ...rest } = input;
  const path = reproduction.rest.path.replace("{botId}", String(rest.botId));
  delete rest.botId;
  const query = new URLSearchParams({ orgId: String(orgId) });
  const isGet = reproduction.rest.method === "GET";
  if (isGet) for (const [key, value] of Object.entries(rest)) query.set(key, String(value));
  const res = await fetch(`${server.url}/api/v1${path}?${query}`, {
    method: reproduction.rest.method,
    headers,
    ...(isGet ? {} : { body: JSON.stringify(rest) }),
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; details: { issues: Issue[] } } };
  expect(body.error.code).toBe("BAD_REQUEST");
  return body.error.details.issues;
}

describe("text Postgres cannot store, in the issue's reproductions", () => {
  for (const reproduction of reproductions) {
    // A query string carries UTF-8, which has no unpaired surrogates: only JSON bodies can send one.
    const values = reproduction.rest?.method === "GET" ? [NUL] : [NUL, LONE_SURROGATE];
    it(`${reproduction.name}: 400 naming \`${reproduction.field}\`, nothing stored`, async () => {
      const before = await stored();
      for (const bad of values) {
        const input = reproduction.input(bad);
        for (const issues of [await viaCaller(reproduction, input), await viaHttp(reproduction, input)]) {
          expect(issues, JSON.stringify(bad)).toContainEqual(
            expect.objectContaining({ path: reproduction.field, message: expect.stringMatching(/^Must /) }),
          );
        }
      }
      expect(await stored()).toBe(before);
    });
  }

  it("still accepts the same fields without the refused characters", async () => {
    const owner = server.app.caller(org.owner.accessToken);
    await expect(
      owner.widget.setOrgDefaults({ orgId: org.id, settings: { launcherText: "Chat with us 💬" } }),
    ).resolves.toMatchObject({ settings: { launcherText: "Chat with us 💬" } });
    await expect(
      owner.bots.update({ orgId: org.id, botId, config: { persona: "Line one\nLine two\twith a tab" } }),
    ).resolves.toMatchObject({ bot: { config: { persona: "Line one\nLine two\twith a tab" } } });
  });
});
