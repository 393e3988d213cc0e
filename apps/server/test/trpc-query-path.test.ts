import type { SeededOrg } from "@kyro/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

let server: TestServer;
let org: SeededOrg;
let apiKey: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Query path");
  apiKey = (await server.app.seedApiKey(org.id, { scopes: ["admin:org"] })).key;
});
afterAll(async () => {
  await server?.close();
});

const encode = (value: unknown) => encodeURIComponent(JSON.stringify(value));
const headersOf = (token: string | null) => (token ? { authorization: `Bearer ${token}` } : undefined);
const withoutRequestId = (text: string) => text.replace(/"requestId":"[^"]+"/g, '"requestId":"-"');

/**
 * GET queries, one or batched, are answered by the server's own path; a `trpc-accept` header (here the
 * non-streaming `application/json`) sends the same batch through tRPC's adapter. All must answer
 * alike: status, headers and body.
 */
async function compare(procedure: string, input: string | null, token: string | null) {
  const single = await fetch(`${server.url}/trpc/${procedure}${input === null ? "" : `?input=${input}`}`, {
    headers: headersOf(token),
  });
  const batchInput = `&input=${encode(input === null ? {} : { 0: JSON.parse(decodeURIComponent(input)) })}`;
  const batchUrl = `${server.url}/trpc/${procedure}?batch=1${batchInput}`;
  const batch = await fetch(batchUrl, { headers: headersOf(token) });
  const viaAdapter = await fetch(batchUrl, {
    headers: { ...headersOf(token), "trpc-accept": "application/json" },
  });
  const batchText = withoutRequestId(await batch.text());
  expect(batchText).toBe(withoutRequestId(await viaAdapter.text()));
  expect(batch.status).toBe(viaAdapter.status);
  const [batchBody] = JSON.parse(batchText) as unknown[];
  expect(single.status).toBe(batch.status);
  expect(JSON.parse(withoutRequestId(await single.text()))).toEqual(batchBody);
  for (const name of ["content-type", "vary", "cache-control", "x-content-type-options"]) {
    expect(single.headers.get(name), name).toBe(batch.headers.get(name));
    expect(batch.headers.get(name), name).toBe(viaAdapter.headers.get(name));
  }
  return single;
}

describe("tRPC GET queries", () => {
  it("answer like the adapter on success, with the superjson envelope", async () => {
    const res = await compare("orgs.get", encode({ json: { orgId: org.id } }), org.owner.accessToken);
    expect(res.status).toBe(200);
    await compare("auth.me", null, apiKey);
    await compare("orgs.list", encode({ json: {} }), org.owner.accessToken);
  });

  it.each([
    ["no credentials", () => encode({ json: { orgId: org.id } }), () => null, 401],
    ["an invalid key", () => encode({ json: { orgId: org.id } }), () => "kyro_sk_nope", 401],
    ["a malformed id", () => encode({ json: { orgId: "nope" } }), () => org.owner.accessToken, 400],
    ["no input", () => null, () => org.owner.accessToken, 400],
    ["input that is not JSON", () => "%7Bnot-json", () => org.owner.accessToken, 400],
    [
      "another org",
      () => encode({ json: { orgId: "00000000-0000-4000-8000-000000000000" } }),
      () => org.owner.accessToken,
      404,
    ],
  ])("answer like the adapter on %s", async (_, input, token, status) => {
    const inputText = input();
    if (inputText?.startsWith("%7Bnot")) {
      const res = await fetch(`${server.url}/trpc/orgs.get?input=${inputText}`, {
        headers: headersOf(token()),
      });
      const body = (await res.json()) as { error: { json: { data: { code: string } } } };
      expect(res.status).toBe(status);
      expect(body.error.json.data.code).toBe("BAD_REQUEST");
      return;
    }
    const res = await compare("orgs.get", inputText, token());
    expect(res.status).toBe(status);
  });

  it("answer a batch of two, one of them refused, like the adapter (207)", async () => {
    const inputs = {
      0: { json: { orgId: org.id } },
      1: { json: { orgId: "00000000-0000-4000-8000-000000000000" } },
    };
    const url = `${server.url}/trpc/orgs.get,orgs.get?batch=1&input=${encode(inputs)}`;
    const token = org.owner.accessToken;
    const ours = await fetch(url, { headers: headersOf(token) });
    const theirs = await fetch(url, { headers: { ...headersOf(token), "trpc-accept": "application/json" } });
    expect([ours.status, theirs.status]).toEqual([207, 207]);
    expect(withoutRequestId(await ours.text())).toBe(withoutRequestId(await theirs.text()));
  });

  it("leave mutations to the adapter, which refuses them over GET", async () => {
    const res = await fetch(`${server.url}/trpc/orgs.create?input=${encode({ json: { name: "x" } })}`, {
      headers: headersOf(org.owner.accessToken),
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
