import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../apps/server/test/server-harness";
import { createKyroClient, isKyroClientError } from "../src/index";
import { asUser, recordingFetch, rejection, signUp } from "./sdk-fixtures";

/** API-key clients and the headers every client sends, against a live server. */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

/** A signed-up owner's new org and an API key of it with `scopes`. */
async function orgWithKey(name: string, scopes: ("admin:org" | "read:bots" | "write:bots")[]) {
  const tokens = await signUp(server);
  const owner = createKyroClient({ baseUrl: server.url, accessToken: tokens.accessToken });
  const { org } = await owner.orgs.create.mutate({ name });
  const created = await owner.apiKeys.create.mutate({ orgId: org.id, name: "sdk", scopes });
  return { owner, org, key: created.key };
}

describe("API key and headers", () => {
  it("sends the API key as a bearer token and never refreshes", async () => {
    const { org, key } = await orgWithKey("Key Org", ["admin:org"]);
    const recorder = recordingFetch();
    const client = createKyroClient({ baseUrl: server.url, apiKey: key, fetch: recorder.fetch });

    const [fetched, me] = await Promise.all([
      client.orgs.get.query({ orgId: org.id }),
      client.auth.me.query(),
    ]);

    expect(fetched.org.id).toBe(org.id);
    expect(fetched.org.role).toBeNull();
    expect(me).toMatchObject({
      kind: "apiKey",
      apiKey: { name: "sdk", scopes: ["admin:org"] },
      org: { id: org.id },
    });
    expect(recorder.sent.map((request) => request.authorization)).toEqual([`Bearer ${key}`]);

    const refused = createKyroClient({
      baseUrl: server.url,
      apiKey: `${key.slice(0, -1)}${key.endsWith("x") ? "y" : "x"}`,
      fetch: recorder.fetch,
    });
    const error = await rejection(refused.orgs.get.query({ orgId: org.id }));
    expect(isKyroClientError(error) && error.data?.code).toBe("UNAUTHORIZED");
    expect(recorder.calls("auth.refresh")).toBe(0);
  });

  // TODO(orgProcedure fills orgId from API key (#8)): enable once that server change is on this branch;
  // until then the server requires `orgId` in every org-scoped input and answers 400 without it.
  it.skip("calls org-scoped procedures without orgId: the org is the key's", async () => {
    const { org, key } = await orgWithKey("Implicit Org", ["admin:org", "read:bots", "write:bots"]);
    const other = await orgWithKey("Other Org", ["admin:org"]);
    const client = createKyroClient({ baseUrl: server.url, apiKey: key });

    const { bot } = await client.bots.create.mutate({ name: "Implicit" });
    const [fetched, bots] = await Promise.all([client.orgs.get.query({}), client.bots.list.query({})]);

    expect(fetched.org.id).toBe(org.id);
    // The bot was created in the key's org: it is that org's only bot.
    expect(bots.items.map((item) => item.id)).toEqual([bot.id]);
    // An explicit orgId still works, and another org's is still a 404.
    expect((await client.orgs.get.query({ orgId: org.id })).org.id).toBe(org.id);
    const error = await rejection(client.orgs.get.query({ orgId: other.org.id }));
    expect(isKyroClientError(error) && error.data?.code).toBe("NOT_FOUND");
  });

  it("adds custom headers but keeps its own Authorization", async () => {
    const tokens = await signUp(server);
    const recorder = recordingFetch();
    const client = createKyroClient({
      baseUrl: `${server.url}/`,
      accessToken: tokens.accessToken,
      fetch: recorder.fetch,
      headers: async () => ({ "User-Agent": "partner-app/1.0", Authorization: "Bearer something-else" }),
    });

    const me = asUser(await client.auth.me.query());

    expect(me.orgs).toEqual([]);
    expect(recorder.sent).toEqual([
      {
        procedures: ["auth.me"],
        authorization: `Bearer ${tokens.accessToken}`,
        userAgent: "partner-app/1.0",
        body: null,
      },
    ]);
  });
});
