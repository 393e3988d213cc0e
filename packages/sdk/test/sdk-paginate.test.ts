import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../../apps/server/test/server-harness";
import { createKyroClient, type KyroClient, paginate } from "../src/index";
import { recordingFetch } from "./sdk-fixtures";

/** `paginate` over the typed client's list procedures, against a live server with several pages. */

let server: TestServer;
let orgId: string;
let accessToken: string;

beforeAll(async () => {
  server = await startTestServer();
  const org = await server.app.seedOrg("Paginate");
  orgId = org.id;
  accessToken = org.owner.accessToken;
});

afterAll(async () => {
  await server?.close();
});

function client(): { kyro: KyroClient; pagesFetched: (procedure: string) => number } {
  const recorder = recordingFetch();
  const kyro = createKyroClient({ baseUrl: server.url, accessToken, fetch: recorder.fetch });
  return { kyro, pagesFetched: recorder.calls };
}

describe("paginate", () => {
  it("yields every item of a list across pages, in order", async () => {
    const { kyro, pagesFetched } = client();
    const created: string[] = [];
    for (const name of ["A", "B", "C", "D", "E"]) {
      created.push((await kyro.bots.create.mutate({ orgId, name })).bot.id);
    }
    const firstPage = await kyro.bots.list.query({ orgId, limit: 5 });

    const ids: string[] = [];
    for await (const bot of paginate(kyro.bots.list, { orgId, limit: 2 })) ids.push(bot.id);

    expect(ids).toEqual(firstPage.items.map((bot) => bot.id));
    expect(ids.sort()).toEqual(created.sort());
    // Two items a page: 2 + 2 + 1, the last page saying there is no next one.
    expect(pagesFetched("bots.list")).toBe(1 + 3);
  });

  it("carries a numeric cursor (bot versions) and stops fetching when the loop ends early", async () => {
    const { kyro, pagesFetched } = client();
    const { bot } = await kyro.bots.create.mutate({ orgId, name: "Versioned" });
    for (const persona of ["first", "second", "third"]) {
      await kyro.bots.update.mutate({ orgId, botId: bot.id, config: { persona } });
      await kyro.bots.publish.mutate({ orgId, botId: bot.id });
    }

    const versions: number[] = [];
    for await (const version of paginate(kyro.bots.versions, { orgId, botId: bot.id, limit: 1 })) {
      versions.push(version.version);
    }
    const fetchedForAll = pagesFetched("bots.versions");
    for await (const version of paginate(kyro.bots.versions, { orgId, botId: bot.id, limit: 1 })) {
      versions.push(version.version);
      break;
    }

    expect(versions).toEqual([3, 2, 1, 3]);
    expect(fetchedForAll).toBe(3);
    expect(pagesFetched("bots.versions")).toBe(fetchedForAll + 1);
  });
});
