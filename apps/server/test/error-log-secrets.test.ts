import { randomBytes } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * A query that fails inside a procedure answers a bare 500, and the server's log line names the
 * failure (SQLSTATE, constraint) without the statement's parameters: here the bot's description, and
 * the identity secret the service generated for it.
 */

const SECRET = `explode-${randomBytes(12).toString("hex")}`;
const IDENTITY_SECRET_PREFIX = "kyro_id_";

let server: TestServer;
let org: SeededOrg;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Failing inserts");
  // A real constraint the service does not know about: the insert reaches Postgres and fails there.
  await server.app.database.executeSql(
    "alter table bots add constraint bots_no_explosions check (description not like 'explode-%')",
  );
});
afterAll(async () => {
  await server?.close();
});

function expectSafeFailureLine(requestId: string): void {
  const failure = server.logs.find((line) => line.requestId === requestId && line.level === 50);
  expect(failure).toBeDefined();
  const text = JSON.stringify(server.logs);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(IDENTITY_SECRET_PREFIX);
  expect(text).not.toMatch(/params|Failed query/);
  expect(JSON.stringify(failure)).toContain('"constraint":"bots_no_explosions"');
  expect(JSON.stringify(failure)).toContain('"code":"23514"');
}

describe("a query failure in a request", () => {
  it("over REST: 500 with the generic envelope; the log names the constraint, not the values", async () => {
    const res = await fetch(`${server.url}/api/v1/bots?orgId=${org.id}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${org.owner.accessToken}`,
        "content-type": "application/json",
        "x-request-id": "rest-explodes",
      },
      body: JSON.stringify({ name: "Exploding", description: SECRET }),
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "INTERNAL_SERVER_ERROR" } });
    await expect.poll(() => server.logs.some((line) => line.requestId === "rest-explodes")).toBe(true);
    expectSafeFailureLine("rest-explodes");
  });

  it("over tRPC: the same", async () => {
    const res = await fetch(`${server.url}/trpc/bots.create`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${org.owner.accessToken}`,
        "content-type": "application/json",
        "x-request-id": "trpc-explodes",
      },
      body: JSON.stringify({ json: { orgId: org.id, name: "Exploding", description: SECRET } }),
    });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(SECRET);
    await expect
      .poll(() => server.logs.some((line) => line.requestId === "trpc-explodes" && line.level === 50))
      .toBe(true);
    expectSafeFailureLine("trpc-explodes");
  });
});
