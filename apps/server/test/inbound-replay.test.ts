import { createHash, createHmac, randomBytes } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { eq, inboundEvents, sql } from "@kyro/db";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * Replays of a captured, validly signed delivery: whatever the replayer changes outside the signature
 * (delivery-id header, query string, extra headers), nothing new is stored or processed.
 */

let server: TestServer;
let org: SeededOrg;
let adminKey: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Replays");
  adminKey = (await server.app.seedApiKey(org.id, { scopes: ["admin:org"] })).key;
});
afterAll(async () => {
  await server?.close();
});

const hmacHex = (secret: string, payload: string) =>
  createHmac("sha256", secret).update(payload).digest("hex");
const sha256 = (payload: string) => createHash("sha256").update(payload).digest("hex");
const now = () => Math.floor(Date.now() / 1000);

interface Signed {
  headers: Record<string, string>;
  /** What the profile's signature covers, byte for byte. */
  covered: string;
}

interface ProfileCase {
  profile: "standard-webhooks" | "github" | "stripe" | "chatwoot" | "hmac";
  extra?: Record<string, string>;
  /** The header naming the delivery, when the profile has one. */
  idHeader: string | null;
  /** Whether that header is covered by the signature (then changing it breaks the signature). */
  idSigned: boolean;
  sign: (body: string, id: string, secret: string) => Signed;
}

const CASES: ProfileCase[] = [
  {
    profile: "standard-webhooks",
    idHeader: "webhook-id",
    idSigned: true,
    sign: (body, id, secret) => {
      const timestamp = now();
      return {
        headers: {
          "webhook-id": id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": new Webhook(secret).sign(id, new Date(timestamp * 1000), body),
        },
        covered: `${id}.${timestamp}.${body}`,
      };
    },
  },
  {
    profile: "github",
    idHeader: "x-github-delivery",
    idSigned: false,
    sign: (body, id, secret) => ({
      headers: {
        "x-hub-signature-256": `sha256=${hmacHex(secret, body)}`,
        "x-github-delivery": id,
        "x-github-event": "push",
      },
      covered: body,
    }),
  },
  {
    profile: "stripe",
    idHeader: null,
    idSigned: true,
    sign: (body, _id, secret) => {
      const timestamp = now();
      return {
        headers: { "stripe-signature": `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.${body}`)}` },
        covered: `${timestamp}.${body}`,
      };
    },
  },
  {
    profile: "chatwoot",
    idHeader: null,
    idSigned: false,
    sign: (body, _id, secret) => {
      const timestamp = now();
      return {
        headers: {
          "x-chatwoot-signature": `sha256=${hmacHex(secret, `${timestamp}.${body}`)}`,
          "x-chatwoot-timestamp": String(timestamp),
        },
        covered: `${timestamp}.${body}`,
      };
    },
  },
  {
    profile: "hmac",
    extra: { hmacHeader: "X-Signature", hmacEncoding: "hex", deliveryIdHeader: "X-Delivery" },
    idHeader: "x-delivery",
    idSigned: false,
    sign: (body, id, secret) => ({
      headers: { "x-signature": hmacHex(secret, body), "x-delivery": id },
      covered: body,
    }),
  },
];

const api = (path: string) => `${server.url}/api/v1${path}`;

async function createEndpoint(testCase: ProfileCase) {
  const res = await fetch(api("/inbound-endpoints"), {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: `${testCase.profile} replays`,
      profile: testCase.profile,
      ...testCase.extra,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { endpoint: { id: string; path: string }; secret: string };
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function stored(endpointId: string) {
  return server.app.database.db
    .select({ id: inboundEvents.id, signedDigest: inboundEvents.signedDigest })
    .from(inboundEvents)
    .where(eq(inboundEvents.endpointId, endpointId));
}

/** Processing jobs enqueued for an event (pg-boss keeps them in its own schema). */
async function jobsFor(eventId: string): Promise<number> {
  const result = await server.app.database.db.execute<{ count: number }>(
    sql`select count(*)::int as count from pgboss.job
        where name = 'integrations.inbound.process' and data->>'eventId' = ${eventId}`,
  );
  const rows = Array.isArray(result) ? result : (result as { rows: { count: number }[] }).rows;
  return rows[0]?.count ?? 0;
}

describe.each(CASES)("replaying a $profile delivery", (testCase) => {
  it("stores and processes it once, whatever changes outside the signature", async () => {
    const { endpoint, secret } = await createEndpoint(testCase);
    const id = `evt_${randomBytes(6).toString("hex")}`;
    const body = JSON.stringify({ id, type: "thing.happened", event: "message_created" });
    const original = testCase.sign(body, id, secret);
    const first = await post(endpoint.path, body, original.headers);
    expect(first.status).toBe(202);
    expect(first.json.duplicate).toBe(false);
    const duplicate = { eventId: first.json.eventId, duplicate: true };

    const replays: { name: string; path: string; headers: Record<string, string> }[] = [
      { name: "as is", path: endpoint.path, headers: original.headers },
      {
        name: "with a query string",
        path: `${endpoint.path}?replay=1&delivery=${randomBytes(3).toString("hex")}`,
        headers: original.headers,
      },
      {
        name: "with extra headers",
        path: endpoint.path,
        headers: {
          ...original.headers,
          "x-request-id": "replayed",
          "x-forwarded-for": "198.51.100.7",
          "x-github-delivery": "another-delivery",
          "x-delivery": "another-delivery",
          "user-agent": "replayer/1.0",
        },
      },
    ];
    if (testCase.idHeader) {
      const { [testCase.idHeader]: _removed, ...withoutId } = original.headers;
      replays.push(
        {
          name: "with the delivery id changed",
          path: endpoint.path,
          headers: { ...original.headers, [testCase.idHeader]: `evt_${randomBytes(6).toString("hex")}` },
        },
        { name: "with the delivery id removed", path: endpoint.path, headers: withoutId },
      );
    }
    for (const replay of replays) {
      const answer = await post(replay.path, body, replay.headers);
      const touchesSignedId = testCase.idSigned && /delivery id/.test(replay.name);
      // A signed id cannot be changed without breaking the signature; an unsigned one is ignored.
      if (touchesSignedId) expect(answer.status, replay.name).toBe(401);
      else
        expect({ status: answer.status, ...answer.json }, replay.name).toEqual({ status: 202, ...duplicate });
    }

    const rows = await stored(endpoint.id);
    expect(rows).toEqual([{ id: first.json.eventId, signedDigest: sha256(original.covered) }]);
    expect(await jobsFor(String(first.json.eventId))).toBe(1);
  });

  it("still stores a different signed delivery", async () => {
    const { endpoint, secret } = await createEndpoint(testCase);
    const answers = [];
    for (const note of ["first", "second"]) {
      const id = `evt_${randomBytes(6).toString("hex")}`;
      const body = JSON.stringify({ id, type: "thing.happened", note });
      answers.push(await post(endpoint.path, body, testCase.sign(body, id, secret).headers));
    }
    expect(answers.map((answer) => [answer.status, answer.json.duplicate])).toEqual([
      [202, false],
      [202, false],
    ]);
    expect(await stored(endpoint.id)).toHaveLength(2);
  });
});
