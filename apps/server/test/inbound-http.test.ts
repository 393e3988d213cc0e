import { createHmac, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SeededOrg } from "@kyro/api/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let org: SeededOrg;
let adminKey: string;
let target: Server;
let targetUrl: string;

beforeAll(async () => {
  target = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  server = await startTestServer({ settings: { outboundAllowCidrs: ["127.0.0.0/8"] }, worker: true });
  org = await server.app.seedOrg("Hooks");
  adminKey = (await server.app.seedApiKey(org.id, { scopes: ["admin:org"] })).key;
});
afterAll(async () => {
  await server?.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
});

const api = (path: string) => `${server.url}/api/v1${path}`;
const asAdmin = () => ({ authorization: `Bearer ${adminKey}`, "content-type": "application/json" });
const githubSignature = (secret: string, body: string | Buffer) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function createEndpoint(body: Record<string, unknown>) {
  const res = await fetch(api("/inbound-endpoints"), {
    method: "POST",
    headers: asAdmin(),
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { endpoint: { id: string; slug: string; path: string }; secret: string };
}

interface EventPage {
  items: { id: string; status: string; error: string | null; body: string; processedAt: string | null }[];
  nextCursor: string | null;
}

async function events(endpointId: string): Promise<EventPage> {
  const res = await fetch(api(`/inbound-endpoints/${endpointId}/events`), { headers: asAdmin() });
  expect(res.status).toBe(200);
  return (await res.json()) as EventPage;
}

async function waitForStatus(endpointId: string, eventId: string, status: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = (await events(endpointId)).items.find((item) => item.id === eventId);
    if (found?.status === status) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`event ${eventId} never became ${status}`);
}

describe("POST /api/v1/hooks/{slug}", () => {
  it("accepts a signed non-JSON-typed body as is, answers 202 and processes it in the worker", async () => {
    const { endpoint, secret } = await createEndpoint({ name: "GitHub", profile: "github" });
    expect(endpoint.path).toBe(`/api/v1/hooks/${endpoint.slug}`);
    // Spacing and key order must survive: the signature covers the exact bytes.
    const body = '{ "action":"opened",  "number": 1 }';
    const res = await fetch(`${server.url}${endpoint.path}?source=github`, {
      method: "POST",
      headers: {
        "content-type": "text/plain",
        "x-hub-signature-256": githubSignature(secret, body),
        "x-github-delivery": "gh-1",
        "x-github-event": "pull_request",
      },
      body,
    });
    expect(res.status).toBe(202);
    const receipt = (await res.json()) as { eventId: string; duplicate: boolean };
    expect(receipt.duplicate).toBe(false);
    const processed = await waitForStatus(endpoint.id, receipt.eventId, "processed");
    expect(processed.body).toBe(body);
    expect(processed.processedAt).toEqual(expect.any(String));

    const again = await fetch(`${server.url}${endpoint.path}`, {
      method: "POST",
      headers: { "x-hub-signature-256": githubSignature(secret, body), "x-github-delivery": "gh-1" },
      body,
    });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ eventId: receipt.eventId, duplicate: true });
    expect((await events(endpoint.id)).items).toHaveLength(1);
  });

  it("records a signed but malformed JSON body as failed", async () => {
    const { endpoint, secret } = await createEndpoint({ name: "Broken sender", profile: "github" });
    const body = "{not json";
    const res = await fetch(`${server.url}${endpoint.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": githubSignature(secret, body) },
      body,
    });
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    const failed = await waitForStatus(endpoint.id, eventId, "failed");
    expect(failed.error).toBe("The body is not valid JSON");
  });

  it("answers 401 with the error envelope on a bad signature and stores nothing", async () => {
    const { endpoint } = await createEndpoint({ name: "Forged", profile: "standard-webhooks" });
    const body = '{"type":"x"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const wrong = new Webhook(`whsec_${randomBytes(24).toString("base64")}`);
    const res = await fetch(`${server.url}${endpoint.path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_1",
        "webhook-timestamp": String(timestamp),
        "webhook-signature": wrong.sign("msg_1", new Date(timestamp * 1000), body),
      },
      body,
    });
    expect(res.status).toBe(401);
    const envelope = (await res.json()) as { error: { code: string; requestId: string } };
    expect(envelope.error.code).toBe("UNAUTHORIZED");
    expect(envelope.error.requestId).toBe(res.headers.get("x-request-id"));
    expect((await events(endpoint.id)).items).toHaveLength(0);
  });

  it("answers 401 to a stale Standard Webhooks timestamp", async () => {
    const { endpoint, secret } = await createEndpoint({ name: "Stale", profile: "standard-webhooks" });
    const body = '{"type":"x"}';
    const timestamp = Math.floor(Date.now() / 1000) - 600;
    const res = await fetch(`${server.url}${endpoint.path}`, {
      method: "POST",
      headers: {
        "webhook-id": "msg_old",
        "webhook-timestamp": String(timestamp),
        "webhook-signature": new Webhook(secret).sign("msg_old", new Date(timestamp * 1000), body),
      },
      body,
    });
    expect(res.status).toBe(401);
  });

  it("answers 413 over 512 KiB and over the server's 1 MiB limit", async () => {
    const { endpoint, secret } = await createEndpoint({ name: "Big", profile: "github" });
    for (const size of [512 * 1024 + 1, 1024 * 1024 + 1]) {
      const body = Buffer.alloc(size, "a");
      const res = await fetch(`${server.url}${endpoint.path}`, {
        method: "POST",
        headers: { "x-hub-signature-256": githubSignature(secret, body) },
        body,
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
    }
    expect((await events(endpoint.id)).items).toHaveLength(0);
  });

  it("answers an unknown slug exactly like a bad signature (401), so slugs cannot be probed", async () => {
    const { endpoint } = await createEndpoint({ name: "Probe", profile: "github" });
    const unknown = await fetch(api("/hooks/no-such-endpoint"), { method: "POST", body: "{}" });
    const unsigned = await fetch(`${server.url}${endpoint.path}`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(401);
    expect(unsigned.status).toBe(401);
    const message = async (res: Response) =>
      ((await res.json()) as { error: { message: string } }).error.message;
    expect(await message(unknown)).toBe(await message(unsigned));
  });
});

describe("integrations over REST", () => {
  it("creates, tests and reads an integration with an API key, never echoing the credential", async () => {
    const key = "partner-secret-key-abcd1234";
    const created = await fetch(api("/integrations"), {
      method: "POST",
      headers: asAdmin(),
      body: JSON.stringify({
        name: "Partner API",
        baseUrl: targetUrl,
        auth: { type: "apiKey", headerName: "X-Partner-Key", key },
      }),
    });
    expect(created.status).toBe(201);
    const text = await created.text();
    expect(text).not.toContain(key);
    const { integration } = JSON.parse(text) as {
      integration: { id: string; auth: { secretLast4: string } };
    };
    expect(integration.auth.secretLast4).toBe("1234");
    const tested = await fetch(api(`/integrations/${integration.id}/test`), {
      method: "POST",
      headers: asAdmin(),
      body: JSON.stringify({ path: "/ping" }),
    });
    expect(tested.status).toBe(200);
    expect(((await tested.json()) as { result: { ok: boolean; httpStatus: number } }).result).toMatchObject({
      ok: true,
      httpStatus: 204,
    });
    const fetched = await fetch(api(`/integrations/${integration.id}`), { headers: asAdmin() });
    const view = (await fetched.json()) as { integration: { health: { status: string } } };
    expect(view.integration.health.status).toBe("healthy");
    const refused = await fetch(api("/integrations"), {
      method: "POST",
      headers: asAdmin(),
      body: JSON.stringify({ name: "Metadata", baseUrl: "https://169.254.169.254/", auth: { type: "none" } }),
    });
    expect(refused.status).toBe(400);
  });
});
