import { createHmac, randomBytes } from "node:crypto";
import { auditEvents, eq, inboundEndpoints, inboundEvents, sql } from "@kyro/db";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContext } from "../../../../src/core/context";
import { createCallerFactory } from "../../../../src/core/trpc";
import { processInboundEvent } from "../../../../src/domains/integrations/inbound/job";
import { appRouter } from "../../../../src/root";
import { failureOf } from "../../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../../harness";

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Inbound");
  neighbour = await app.seedOrg("Inbound Neighbour");
});
afterAll(async () => {
  await app?.close();
});

const admin = () => app.caller(org.admin.accessToken).integrations.inbound;
const createCaller = createCallerFactory(appRouter);

/** An anonymous REST-like call: the body and headers as the HTTP layer would hand them over. */
function deliver(slug: string, body: string | Buffer, headers: Record<string, string>) {
  const caller = createCaller(
    createContext({
      runtime: app.runtime,
      request: {
        requestId: `hook-${randomBytes(3).toString("hex")}`,
        ip: "203.0.113.5",
        userAgent: null,
        origin: null,
      },
      authorization: null,
      rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
      headers: { "content-type": "application/json", ...headers },
    }),
  );
  return caller.integrations.inbound.receive({ slug });
}

const hex = (secret: string, payload: string) => createHmac("sha256", secret).update(payload).digest("hex");
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function eventCount(endpointId: string): Promise<number> {
  const [row] = await app.database.db
    .select({ count: sql<number>`count(*)::int` })
    .from(inboundEvents)
    .where(eq(inboundEvents.endpointId, endpointId));
  return row?.count ?? 0;
}

type Signer = (
  body: string,
  options: { id: string; timestamp: number; secret: string },
) => Record<string, string>;

interface ProfileCase {
  profile: "standard-webhooks" | "github" | "stripe" | "chatwoot" | "hmac";
  extra?: Record<string, string>;
  sign: Signer;
  /** Whether the profile signs a timestamp (and so refuses stale ones). */
  timed: boolean;
  /** The body for a given delivery id (Stripe carries its event id in the body). */
  body: (id: string) => string;
}

const jsonBody = (id: string) =>
  JSON.stringify({ type: "thing.happened", event: "message_created", note: id });

const CASES: ProfileCase[] = [
  {
    profile: "standard-webhooks",
    timed: true,
    body: jsonBody,
    sign: (body, { id, timestamp, secret }) => ({
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": new Webhook(secret).sign(id, new Date(timestamp * 1000), body),
    }),
  },
  {
    profile: "github",
    timed: false,
    body: jsonBody,
    sign: (body, { id, secret }) => ({
      "x-hub-signature-256": `sha256=${hex(secret, body)}`,
      "x-github-delivery": id,
      "x-github-event": "push",
    }),
  },
  {
    profile: "stripe",
    timed: true,
    body: (id) => JSON.stringify({ id, type: "invoice.paid", object: "event" }),
    sign: (body, { timestamp, secret }) => ({
      "stripe-signature": `t=${timestamp},v1=${"0".repeat(64)},v1=${hex(secret, `${timestamp}.${body}`)}`,
    }),
  },
  {
    profile: "chatwoot",
    timed: true,
    body: jsonBody,
    sign: (body, { timestamp, secret }) => ({
      "x-chatwoot-signature": `sha256=${hex(secret, `${timestamp}.${body}`)}`,
      "x-chatwoot-timestamp": String(timestamp),
    }),
  },
  {
    profile: "hmac",
    timed: false,
    extra: { hmacHeader: "X-Signature", hmacEncoding: "base64", deliveryIdHeader: "X-Delivery" },
    body: jsonBody,
    sign: (body, { id, secret }) => ({
      "x-signature": createHmac("sha256", secret).update(body).digest("base64"),
      "x-delivery": id,
    }),
  },
];

describe.each(CASES)("profile $profile", (testCase) => {
  let endpointId: string;
  let slug: string;
  let secret: string;

  beforeAll(async () => {
    const created = await admin().create({
      orgId: org.id,
      name: `${testCase.profile} sender`,
      profile: testCase.profile,
      ...testCase.extra,
    } as Parameters<ReturnType<typeof admin>["create"]>[0]);
    endpointId = created.endpoint.id;
    slug = created.endpoint.slug;
    secret = created.secret;
    expect(created.endpoint.path).toBe(`/api/v1/hooks/${slug}`);
  });

  const signed = (id: string, timestamp = nowSeconds(), key = secret) => {
    const body = testCase.body(id);
    return { body, headers: testCase.sign(body, { id, timestamp, secret: key }) };
  };

  it("stores a valid delivery once and answers a duplicate without storing", async () => {
    const id = `delivery-${randomBytes(4).toString("hex")}`;
    const { body, headers } = signed(id);
    const first = await deliver(slug, body, headers);
    expect(first.duplicate).toBe(false);
    const again = await deliver(slug, body, headers);
    expect(again).toEqual({ eventId: first.eventId, duplicate: true });
    expect(await eventCount(endpointId)).toBe(1);
    const page = await admin().events({ orgId: org.id, endpointId });
    expect(page.items).toHaveLength(1);
    const [event] = page.items;
    expect(event).toMatchObject({ id: first.eventId, body, status: "received", processedAt: null });
    expect(event?.headers["content-type"]).toBe("application/json");
    expect(Object.keys(event?.headers ?? {}).some((name) => /signature/.test(name))).toBe(false);
    if (testCase.profile !== "chatwoot") expect(event?.deliveryId).toBe(id);
  });

  it("stores a signed body whose id or type Postgres text cannot hold, as absent rather than failing", async () => {
    const nul = JSON.stringify({ id: "evt\u0000x", type: "a\u0000b", event: "c\u0000d", note: "nul" });
    expect(nul).toContain("\\u0000");
    const timestamp = nowSeconds();
    const headers = testCase.sign(nul, { id: `nul-${randomBytes(3).toString("hex")}`, timestamp, secret });
    const stored = await deliver(slug, nul, headers);
    expect(stored.duplicate).toBe(false);
    const page = await admin().events({ orgId: org.id, endpointId });
    const event = page.items.find((item) => item.id === stored.eventId);
    expect(event?.body).toBe(nul);
    expect(event?.deliveryId).not.toContain("\u0000");
    expect(event?.eventType ?? "").not.toContain("\u0000");
  });

  it("refuses a bad signature with 401 and stores nothing", async () => {
    const before = await eventCount(endpointId);
    const wrongKey =
      testCase.profile === "standard-webhooks"
        ? `whsec_${randomBytes(24).toString("base64")}`
        : "wrong-secret-0123456789";
    const forged = signed(`forged-${randomBytes(3).toString("hex")}`, nowSeconds(), wrongKey);
    expect((await failureOf(deliver(slug, forged.body, forged.headers))).code).toBe("UNAUTHORIZED");
    const tampered = signed(`tampered-${randomBytes(3).toString("hex")}`);
    expect((await failureOf(deliver(slug, `${tampered.body} `, tampered.headers))).code).toBe("UNAUTHORIZED");
    expect((await failureOf(deliver(slug, tampered.body, {}))).code).toBe("UNAUTHORIZED");
    expect(await eventCount(endpointId)).toBe(before);
  });

  it(testCase.timed ? "refuses a stale or future timestamp" : "has no timestamp to check", async () => {
    // A minute past the 300 s tolerance, each signed just before it is sent: a busy machine can take
    // seconds per delivery, which must not bring a timestamp back inside the window.
    const stale = () => signed(`stale-${randomBytes(3).toString("hex")}`, nowSeconds() - 360);
    const future = () => signed(`future-${randomBytes(3).toString("hex")}`, nowSeconds() + 360);
    const before = await eventCount(endpointId);
    if (testCase.timed) {
      const old = stale();
      const failure = await failureOf(deliver(slug, old.body, old.headers));
      expect(failure.code).toBe("UNAUTHORIZED");
      const ahead = future();
      expect((await failureOf(deliver(slug, ahead.body, ahead.headers))).code).toBe("UNAUTHORIZED");
      expect(await eventCount(endpointId)).toBe(before);
      const fresh = signed(`fresh-${randomBytes(3).toString("hex")}`, nowSeconds() - 250);
      expect((await deliver(slug, fresh.body, fresh.headers)).duplicate).toBe(false);
    } else {
      const old = stale();
      expect((await deliver(slug, old.body, old.headers)).duplicate).toBe(false);
      expect(await eventCount(endpointId)).toBe(before + 1);
    }
  });

  it("verifies with the new secret only after rotateSecret", async () => {
    const rotated = await admin().rotateSecret({ orgId: org.id, endpointId });
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.endpoint.secretLast4).toBe(rotated.secret.slice(-4));
    const old = signed(`old-${randomBytes(3).toString("hex")}`);
    expect((await failureOf(deliver(slug, old.body, old.headers))).code).toBe("UNAUTHORIZED");
    secret = rotated.secret;
    const fresh = signed(`new-${randomBytes(3).toString("hex")}`);
    expect((await deliver(slug, fresh.body, fresh.headers)).duplicate).toBe(false);
  });
});

describe("inbound endpoints", () => {
  it("honours a custom tolerance", async () => {
    const { endpoint, secret } = await admin().create({
      orgId: org.id,
      name: "Tolerant",
      profile: "chatwoot",
      toleranceSeconds: 3_600,
    });
    const timestamp = nowSeconds() - 1_800;
    const body = '{"event":"conversation_created","id":7}';
    const headers = {
      "x-chatwoot-signature": `sha256=${hex(secret, `${timestamp}.${body}`)}`,
      "x-chatwoot-timestamp": String(timestamp),
    };
    expect((await deliver(endpoint.slug, body, headers)).duplicate).toBe(false);
    const [event] = (await admin().events({ orgId: org.id, endpointId: endpoint.id })).items;
    expect(event?.eventType).toBe("conversation_created");
  });

  it("accepts a sender-provided secret, hex hmac and body-hash deduplication", async () => {
    const secret = "sender-chosen-secret-1234";
    const { endpoint, secret: returned } = await admin().create({
      orgId: org.id,
      name: "Plain hmac",
      profile: "hmac",
      secret,
      hmacHeader: "X-Hook-Signature",
      hmacEncoding: "hex",
    });
    expect(returned).toBe(secret);
    const body = '{"n":1}';
    const headers = { "x-hook-signature": `sha256=${hex(secret, body)}` };
    const first = await deliver(endpoint.slug, body, headers);
    expect(await deliver(endpoint.slug, body, headers)).toEqual({ eventId: first.eventId, duplicate: true });
    const other = '{"n":2}';
    expect((await deliver(endpoint.slug, other, { "x-hook-signature": hex(secret, other) })).duplicate).toBe(
      false,
    );
  });

  it("keeps slugs unique across organizations", async () => {
    const slug = `shared-${randomBytes(3).toString("hex")}`;
    await admin().create({ orgId: org.id, name: "Mine", profile: "github", slug });
    const failure = await failureOf(
      app
        .caller(neighbour.owner.accessToken)
        .integrations.inbound.create({ orgId: neighbour.id, name: "Theirs", profile: "github", slug }),
    );
    expect(failure.code).toBe("CONFLICT");
  });

  it("validates the profile configuration", async () => {
    const cases = [
      { orgId: org.id, name: "No header", profile: "hmac" as const },
      { orgId: org.id, name: "Stray header", profile: "github" as const, hmacHeader: "X-Sig" },
      {
        orgId: org.id,
        name: "Bad whsec",
        profile: "standard-webhooks" as const,
        secret: "not-a-whsec-secret-at-all",
      },
      { orgId: org.id, name: "Short", profile: "github" as const, secret: "short" },
      { orgId: org.id, name: "Bad slug", profile: "github" as const, slug: "Not A Slug" },
    ];
    for (const input of cases) expect((await failureOf(admin().create(input))).code).toBe("BAD_REQUEST");
  });

  it("never returns or audits the secret after creation", async () => {
    const { endpoint, secret } = await admin().create({ orgId: org.id, name: "Quiet", profile: "github" });
    expect(secret).toMatch(/^whsec_/);
    const listed = await admin().list({ orgId: org.id });
    expect(listed.items.map((item) => item.id)).toContain(endpoint.id);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const rotated = await admin().rotateSecret({ orgId: org.id, endpointId: endpoint.id });
    const [row] = await app.database.db
      .select({ ciphertext: inboundEndpoints.secretCiphertext })
      .from(inboundEndpoints)
      .where(eq(inboundEndpoints.id, endpoint.id));
    expect(row?.ciphertext).not.toContain(rotated.secret);
    const audit = await app.database.db
      .select({ action: auditEvents.action, diff: auditEvents.diff })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, endpoint.id));
    expect(audit.map((entry) => entry.action).sort()).toEqual([
      "inbound_endpoint.create",
      "inbound_endpoint.rotate_secret",
    ]);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(audit)).not.toContain(rotated.secret);
  });

  it("refuses bodies over 512 KiB (413), non-UTF-8 bodies, unknown slugs (like a bad signature) and tRPC calls", async () => {
    const { endpoint, secret } = await admin().create({ orgId: org.id, name: "Limits", profile: "github" });
    const big = Buffer.alloc(512 * 1024 + 1, "a");
    const sign = (body: Buffer) => ({
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    });
    expect((await failureOf(deliver(endpoint.slug, big, sign(big)))).code).toBe("PAYLOAD_TOO_LARGE");
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    expect((await failureOf(deliver(endpoint.slug, binary, sign(binary)))).code).toBe(
      "UNPROCESSABLE_CONTENT",
    );
    const unknown = await failureOf(deliver("no-such-slug", "{}", {}));
    const unsigned = await failureOf(deliver(endpoint.slug, "{}", {}));
    expect(unknown.code).toBe("UNAUTHORIZED");
    expect(unknown.message).toBe(unsigned.message);
    expect((await failureOf(app.caller().integrations.inbound.receive({ slug: endpoint.slug }))).code).toBe(
      "BAD_REQUEST",
    );
    expect(await eventCount(endpoint.id)).toBe(0);
  });

  it("pages events with a cursor and filters by status", async () => {
    const { endpoint, secret } = await admin().create({ orgId: org.id, name: "Paged", profile: "github" });
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const body = JSON.stringify({ index });
      const receipt = await deliver(endpoint.slug, body, {
        "x-hub-signature-256": `sha256=${hex(secret, body)}`,
        "x-github-delivery": `d-${index}`,
      });
      ids.push(receipt.eventId);
    }
    const first = await admin().events({ orgId: org.id, endpointId: endpoint.id, limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([ids[4], ids[3]]);
    const second = await admin().events({
      orgId: org.id,
      endpointId: endpoint.id,
      limit: 2,
      cursor: first.nextCursor ?? "",
    });
    expect(second.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    const last = await admin().events({
      orgId: org.id,
      endpointId: endpoint.id,
      limit: 2,
      cursor: second.nextCursor ?? "",
    });
    expect(last.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(last.nextCursor).toBeNull();

    await processInboundEvent(app.deps, { eventId: ids[0] ?? "" });
    const processed = await admin().events({ orgId: org.id, endpointId: endpoint.id, status: "processed" });
    expect(processed.items.map((item) => item.id)).toEqual([ids[0]]);
    const bad = await failureOf(
      admin().events({ orgId: org.id, endpointId: endpoint.id, cursor: "garbage" }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
  });

  it("answers 404 for another org's endpoint and 403 to viewers and agents", async () => {
    const foreign = await app
      .caller(neighbour.owner.accessToken)
      .integrations.inbound.create({ orgId: neighbour.id, name: "Foreign", profile: "github" });
    expect(
      (await failureOf(admin().rotateSecret({ orgId: org.id, endpointId: foreign.endpoint.id }))).code,
    ).toBe("NOT_FOUND");
    expect((await failureOf(admin().events({ orgId: org.id, endpointId: foreign.endpoint.id }))).code).toBe(
      "NOT_FOUND",
    );
    for (const token of [org.viewer.accessToken, org.agent.accessToken]) {
      const inbound = app.caller(token).integrations.inbound;
      expect((await failureOf(inbound.create({ orgId: org.id, name: "x", profile: "github" }))).code).toBe(
        "FORBIDDEN",
      );
      expect((await failureOf(inbound.list({ orgId: org.id }))).code).toBe("FORBIDDEN");
    }
    expect((await failureOf(app.caller().integrations.inbound.list({ orgId: org.id }))).code).toBe(
      "UNAUTHORIZED",
    );
  });
});

describe("processInboundEvent", () => {
  it("marks JSON as processed, broken JSON as failed, and leaves finished events alone", async () => {
    const { endpoint, secret } = await admin().create({
      orgId: org.id,
      name: "Processing",
      profile: "github",
    });
    const send = async (body: string, contentType: string) =>
      (
        await createCaller(
          createContext({
            runtime: app.runtime,
            request: { requestId: "p", ip: "203.0.113.5", userAgent: null, origin: null },
            authorization: null,
            rawBody: Buffer.from(body),
            headers: { "content-type": contentType, "x-hub-signature-256": `sha256=${hex(secret, body)}` },
          }),
        ).integrations.inbound.receive({ slug: endpoint.slug })
      ).eventId;
    const good = await send('{"ok":true}', "application/json");
    const broken = await send("{not json", "application/json");
    const form = await send("a=1&b=2", "application/x-www-form-urlencoded");
    for (const eventId of [good, broken, form]) await processInboundEvent(app.deps, { eventId });
    const { items } = await admin().events({ orgId: org.id, endpointId: endpoint.id });
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(byId.get(good)).toMatchObject({ status: "processed", error: null });
    expect(byId.get(good)?.processedAt).toBeInstanceOf(Date);
    expect(byId.get(broken)).toMatchObject({ status: "failed", error: "The body is not valid JSON" });
    expect(byId.get(form)).toMatchObject({ status: "processed" });
    const processedAt = byId.get(good)?.processedAt;
    await processInboundEvent(app.deps, { eventId: good });
    const again = await admin().events({ orgId: org.id, endpointId: endpoint.id, status: "processed" });
    expect(again.items.find((item) => item.id === good)?.processedAt).toEqual(processedAt);
  });
});
