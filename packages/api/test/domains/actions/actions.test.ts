import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { actions, auditEvents, domainEvents, eq } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf } from "../../auth-helpers";
import { type Caller, createTestApp, type SeededOrg, type TestApp } from "../../harness";

/** Actions end to end: definitions, allow-lists, scopes, runs as jobs against a real HTTP sink on loopback. */

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;
let server: Server;
let base: string;
let port: number;
const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
const SECRET = "tok_abcdefghijklmnop1234";

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/broken")) res.writeHead(500).end("down");
      else if (req.url?.startsWith("/echo-auth"))
        res.writeHead(200).end(`you sent ${req.headers.authorization}`);
      else if (req.url?.startsWith("/big")) res.writeHead(200).end("x".repeat(100_000));
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  app = await createTestApp({
    settings: { outboundAllowCidrs: ["127.0.0.0/8"] },
    worker: true,
  });
  org = await app.seedOrg("Actions");
  neighbour = await app.seedOrg("Actions Neighbour");
});
afterAll(async () => {
  await app?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const admin = (): Caller => app.caller(org.admin.accessToken);
let counter = 0;
const unique = (label: string) => `${label} ${++counter}`;

const ORDER_SCHEMA = {
  type: "object",
  properties: { orderId: { type: "string", minLength: 1 }, note: { type: "string" } },
  required: ["orderId"],
  additionalProperties: false,
};

async function createBot(allowedActionIds: string[] = []) {
  const { bot } = await admin().bots.create({
    orgId: org.id,
    name: unique("Bot"),
    config: { allowedActionIds },
  });
  return bot;
}

async function allowOnBot(botId: string, actionIds: string[]) {
  await admin().bots.update({ orgId: org.id, botId, config: { allowedActionIds: actionIds } });
}

async function createHttpAction(options: { path?: string; botIds?: string[]; integrationId?: string } = {}) {
  const { action } = await admin().actions.create({
    orgId: org.id,
    name: unique("Lookup order"),
    paramSchema: ORDER_SCHEMA,
    config: {
      type: "http",
      method: "POST",
      urlTemplate: `${base}${options.path ?? "/orders"}/{{orderId}}?note={{note}}`,
      headerTemplates: { "X-Order": "{{orderId}}" },
      integrationId: options.integrationId ?? null,
    },
    allowedBotIds: options.botIds ?? [],
  });
  return action;
}

async function waitForRun(caller: Caller, runId: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { run } = await caller.actions.getRun({ orgId: org.id, runId });
    if (run.status === "succeeded" || run.status === "failed") return run;
    expect(Date.now(), `run ${runId} still ${run.status}`).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("actions.create / list / get / update / delete", () => {
  it("stores an http action and shows it back, audited", async () => {
    const action = await createHttpAction();
    expect(action).toMatchObject({
      type: "http",
      enabled: true,
      config: {
        type: "http",
        method: "POST",
        headerTemplates: { "X-Order": "{{orderId}}" },
        integrationId: null,
      },
    });
    const { action: read } = await admin().actions.get({ orgId: org.id, actionId: action.id });
    expect(read).toEqual(action);
    const { items } = await admin().actions.list({ orgId: org.id });
    expect(items.map((item) => item.id)).toContain(action.id);
    const audits = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, action.id));
    expect(audits.map((row) => row.action)).toEqual(["action.create"]);
  });

  it("refuses schemas ajv cannot compile, non-object roots and unknown placeholders", async () => {
    const base = {
      orgId: org.id,
      name: unique("Bad"),
      config: {
        type: "email" as const,
        recipients: ["ops@example.test"],
        subjectTemplate: "Hi",
        bodyTemplate: "x",
      },
    };
    for (const paramSchema of [{ type: "string" }, { type: "object", properties: { a: { type: "nope" } } }]) {
      const failure = await failureOf(admin().actions.create({ ...base, paramSchema }));
      expect(failure).toMatchObject({ code: "BAD_REQUEST" });
    }
    const failure = await failureOf(
      admin().actions.create({
        ...base,
        paramSchema: ORDER_SCHEMA,
        config: { ...base.config, bodyTemplate: "Order {{missing}}" },
      }),
    );
    expect(failure).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses URL templates outside the SSRF rules or with placeholders in the host", async () => {
    const template = (urlTemplate: string) =>
      admin().actions.create({
        orgId: org.id,
        name: unique("Ssrf"),
        paramSchema: { type: "object", properties: { host: { type: "string" } } },
        config: { type: "http", method: "GET", urlTemplate, headerTemplates: {}, integrationId: null },
      });
    for (const url of [
      "http://169.254.169.254/latest/meta-data",
      "http://10.0.0.1/admin",
      "https://{{host}}/path",
      `${base}{{host}}`,
      "ftp://example.com/file",
    ]) {
      expect(await failureOf(template(url)), url).toMatchObject({ code: "BAD_REQUEST" });
    }
  });

  it("updates, refuses a taken name with 409, and deletes", async () => {
    const first = await createHttpAction();
    const second = await createHttpAction();
    const { action } = await admin().actions.update({ orgId: org.id, actionId: first.id, enabled: false });
    expect(action.enabled).toBe(false);
    expect(
      await failureOf(admin().actions.update({ orgId: org.id, actionId: second.id, name: first.name })),
    ).toMatchObject({ code: "CONFLICT", details: { reason: "name_taken" } });
    await admin().actions.delete({ orgId: org.id, actionId: second.id });
    expect(await failureOf(admin().actions.get({ orgId: org.id, actionId: second.id }))).toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("answers another org's action with 404", async () => {
    const action = await createHttpAction();
    const outsider = app.caller(neighbour.admin.accessToken);
    // Each call starts only when awaited: a rejection made earlier would go unhandled meanwhile.
    for (const call of [
      () => outsider.actions.get({ orgId: neighbour.id, actionId: action.id }),
      () => outsider.actions.update({ orgId: neighbour.id, actionId: action.id, enabled: false }),
      () => outsider.actions.test({ orgId: neighbour.id, actionId: action.id, input: { orderId: "1" } }),
      () => outsider.actions.runs({ orgId: neighbour.id, actionId: action.id }),
    ]) {
      expect(await failureOf(call())).toMatchObject({ code: "NOT_FOUND" });
    }
  });
});

describe("SSRF refusals at run time", () => {
  let strict: TestApp;
  let strictOrg: SeededOrg;
  beforeAll(async () => {
    strict = await createTestApp();
    strictOrg = await strict.seedOrg("Strict");
  });
  afterAll(() => strict?.close());

  // Rows written directly: a template that passed the save-time check can still resolve inward later.
  it.each([
    ["a DNS name resolving to loopback", () => `http://localhost:${port}/x`],
    ["an IPv4-mapped loopback literal", () => `http://[::ffff:127.0.0.1]:${port}/x`],
    ["a decimal loopback literal", () => `http://2130706433:${port}/x`],
  ])("refuses %s and records a failed run", async (_label, url) => {
    const [row] = await strict.database.db
      .insert(actions)
      .values({
        orgId: strictOrg.id,
        name: unique("Inward"),
        type: "http",
        paramSchema: { type: "object" },
        http: { method: "GET", urlTemplate: url(), headerTemplates: {} },
      })
      .returning({ id: actions.id });
    const before = seen.length;
    const { run } = await strict
      .caller(strictOrg.admin.accessToken)
      .actions.test({ orgId: strictOrg.id, actionId: row?.id ?? "", input: {} });
    expect(seen.length).toBe(before);
    expect(run).toMatchObject({ status: "failed", output: null });
    expect(run.error).toMatch(/^refused: .*(local|loopback)/);
  });
});

describe("actions.run", () => {
  it("runs an allowed http action as a job: request sent, run recorded, event emitted", async () => {
    const bot = await createBot();
    const action = await createHttpAction({ botIds: [bot.id] });
    await allowOnBot(bot.id, [action.id]);
    const { run: queued } = await admin().actions.run({
      orgId: org.id,
      actionId: action.id,
      botId: bot.id,
      input: { orderId: "A/1 2", note: "hi there" },
    });
    expect(queued).toMatchObject({ status: "queued", trigger: "api", botId: bot.id });
    const run = await waitForRun(admin(), queued.id);
    expect(run).toMatchObject({
      status: "succeeded",
      error: null,
      attempts: 1,
      output: { httpStatus: 200, body: '{"ok":true}', truncated: false },
    });
    expect(run.latencyMs).toEqual(expect.any(Number));
    const request = seen.find((entry) => entry.url.startsWith("/orders/A%2F1%202"));
    expect(request).toMatchObject({ method: "POST", url: "/orders/A%2F1%202?note=hi%20there" });
    expect(request?.headers["x-order"]).toBe("A/1 2");
    expect(JSON.parse(request?.body ?? "{}")).toEqual({ orderId: "A/1 2", note: "hi there" });

    const { items } = await admin().actions.runs({ orgId: org.id, actionId: action.id });
    expect(items.map((item) => item.id)).toEqual([run.id]);
    const events = await app.database.db.select().from(domainEvents).where(eq(domainEvents.orgId, org.id));
    expect(events.find((event) => event.type === "action.run.completed")?.data).toMatchObject({
      runId: run.id,
      actionId: action.id,
      botId: bot.id,
      httpStatus: 200,
    });
    const audits = await app.database.db.select().from(auditEvents).where(eq(auditEvents.resourceId, run.id));
    expect(audits.map((row) => row.action).sort()).toEqual(["action.run", "action.run.completed"]);
  });

  it("refuses a bot that is not on both allow-lists (403 bot_not_allowed)", async () => {
    const bot = await createBot();
    const onlyAction = await createHttpAction({ botIds: [bot.id] });
    const onlyBot = await createHttpAction();
    await allowOnBot(bot.id, [onlyBot.id]);
    for (const action of [onlyAction, onlyBot]) {
      const failure = await failureOf(
        admin().actions.run({ orgId: org.id, actionId: action.id, botId: bot.id, input: { orderId: "1" } }),
      );
      expect(failure).toMatchObject({ code: "FORBIDDEN", details: { reason: "bot_not_allowed" } });
    }
  });

  it("refuses invalid parameters with 422 and a disabled action with 409", async () => {
    const bot = await createBot();
    const action = await createHttpAction({ botIds: [bot.id] });
    await allowOnBot(bot.id, [action.id]);
    const invalid = await failureOf(
      admin().actions.run({ orgId: org.id, actionId: action.id, botId: bot.id, input: { other: 1 } }),
    );
    expect(invalid).toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
      details: { reason: "invalid_parameters" },
    });
    await admin().actions.update({ orgId: org.id, actionId: action.id, enabled: false });
    const disabled = await failureOf(
      admin().actions.run({ orgId: org.id, actionId: action.id, botId: bot.id, input: { orderId: "1" } }),
    );
    expect(disabled).toMatchObject({ code: "CONFLICT", details: { reason: "action_disabled" } });
  });

  it("records a failing target as a failed run with the action.run.failed event", async () => {
    const bot = await createBot();
    const action = await createHttpAction({ path: "/broken", botIds: [bot.id] });
    await allowOnBot(bot.id, [action.id]);
    const { run: queued } = await admin().actions.run({
      orgId: org.id,
      actionId: action.id,
      botId: bot.id,
      input: { orderId: "9" },
    });
    const run = await waitForRun(admin(), queued.id);
    expect(run).toMatchObject({
      status: "failed",
      error: "HTTP 500",
      output: { httpStatus: 500, body: "down" },
    });
    const events = await app.database.db.select().from(domainEvents).where(eq(domainEvents.orgId, org.id));
    expect(events.find((event) => event.type === "action.run.failed")?.data).toMatchObject({
      runId: run.id,
      error: "HTTP 500",
    });
  });
});

describe("API keys and the run:actions scope", () => {
  it("runs only with run:actions; admin:org manages but cannot run", async () => {
    const bot = await createBot();
    const action = await createHttpAction({ botIds: [bot.id] });
    await allowOnBot(bot.id, [action.id]);
    const runner = await app.seedApiKey(org.id, { scopes: ["run:actions"] });
    const manager = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const input = { orgId: org.id, actionId: action.id, botId: bot.id, input: { orderId: "k1" } };
    const { run } = await app.caller(runner.key).actions.run(input);
    expect(run.status).toBe("queued");
    expect(await failureOf(app.caller(manager.key).actions.run(input))).toMatchObject({
      code: "FORBIDDEN",
      details: { reason: "scope", requiredScopes: ["run:actions"] },
    });
    expect(
      await failureOf(
        app.caller(runner.key).actions.update({ orgId: org.id, actionId: action.id, enabled: false }),
      ),
    ).toMatchObject({ code: "FORBIDDEN", details: { reason: "scope" } });
    const { action: managed } = await app
      .caller(manager.key)
      .actions.get({ orgId: org.id, actionId: action.id });
    expect(managed.id).toBe(action.id);
    await waitForRun(admin(), run.id);
  });

  it("confines a bot-restricted key to its bot's actions and runs", async () => {
    const bot = await createBot();
    const other = await createBot();
    const mine = await createHttpAction({ botIds: [bot.id] });
    const theirs = await createHttpAction({ botIds: [other.id] });
    await allowOnBot(bot.id, [mine.id]);
    await allowOnBot(other.id, [theirs.id]);
    const key = await app.seedApiKey(org.id, { scopes: ["run:actions"], botId: bot.id });
    const caller = app.caller(key.key);
    const { items } = await caller.actions.list({ orgId: org.id });
    expect(items.map((item) => item.id)).toEqual([mine.id]);
    expect(await failureOf(caller.actions.get({ orgId: org.id, actionId: theirs.id }))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(
      await failureOf(
        caller.actions.run({ orgId: org.id, actionId: theirs.id, botId: other.id, input: { orderId: "1" } }),
      ),
    ).toMatchObject({ code: "NOT_FOUND" });
    const { run } = await caller.actions.run({
      orgId: org.id,
      actionId: mine.id,
      botId: bot.id,
      input: { orderId: "2" },
    });
    expect((await waitForRun(admin(), run.id)).status).toBe("succeeded");
  });
});

describe("actions.test and credentials", () => {
  it("sends the integration's credential, masks it in the output and never stores it", async () => {
    const { integration } = await admin().integrations.create({
      orgId: org.id,
      name: unique("Shop"),
      baseUrl: `${base}/`,
      auth: { type: "bearer", token: SECRET },
    });
    const action = await createHttpAction({ path: "/echo-auth", integrationId: integration.id });
    const { run } = await admin().actions.test({
      orgId: org.id,
      actionId: action.id,
      input: { orderId: "5" },
    });
    expect(run).toMatchObject({ status: "succeeded", trigger: "test", botId: null });
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(run.output?.body).toBe("you sent [redacted]");
    const audits = await app.database.db.select().from(auditEvents).where(eq(auditEvents.orgId, org.id));
    expect(JSON.stringify(audits)).not.toContain(SECRET);
    const events = await app.database.db.select().from(domainEvents).where(eq(domainEvents.orgId, org.id));
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it("caps the stored output", async () => {
    const action = await createHttpAction({ path: "/big" });
    const { run } = await admin().actions.test({
      orgId: org.id,
      actionId: action.id,
      input: { orderId: "5" },
    });
    expect(run.output?.truncated).toBe(true);
    expect(run.output?.body?.length).toBeLessThanOrEqual(16_384);
  });

  it("lets viewers nothing and agents read", async () => {
    const action = await createHttpAction();
    const viewer = app.caller(org.viewer.accessToken);
    const agent = app.caller(org.agent.accessToken);
    expect(await failureOf(viewer.actions.get({ orgId: org.id, actionId: action.id }))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect((await agent.actions.get({ orgId: org.id, actionId: action.id })).action.id).toBe(action.id);
    expect(
      await failureOf(agent.actions.test({ orgId: org.id, actionId: action.id, input: { orderId: "1" } })),
    ).toMatchObject({ code: "FORBIDDEN" });
  });
});
