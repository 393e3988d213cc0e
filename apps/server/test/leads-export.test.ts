import type { SeededOrg } from "@kyro/api/testing";
import { seedBot } from "@kyro/api/testing/conversations";
import { leads } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness";

/** More than one export page (500 rows), so the stream is stitched across queries. */
const LEADS = 620;

let server: TestServer;
let org: SeededOrg;
let other: SeededOrg;
let botId: string;
let secondBot: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Lead Export");
  other = await server.app.seedOrg("Lead Export Other");
  botId = (await seedBot(server.app, org.id)).id;
  secondBot = (await seedBot(server.app, org.id)).id;
  const rows = Array.from({ length: LEADS }, (_, index) => ({
    orgId: org.id,
    botId: index < LEADS - 20 ? botId : secondBot,
    email: `lead-${index}@example.com`,
    name: index === 0 ? '=HYPERLINK("http://evil.example")' : `Lead ${index}`,
    phone: null,
    customFields: { note: index === 1 ? 'has, comma and "quotes"' : "plain" },
    source: "widget",
  }));
  await server.app.database.db.insert(leads).values(rows.slice(0, 400));
  await server.app.database.db.insert(leads).values(rows.slice(400));
  const otherBot = await seedBot(server.app, other.id);
  await server.app.database.db
    .insert(leads)
    .values({ orgId: other.id, botId: otherBot.id, email: "secret@other.example", source: "api" });
});
afterAll(async () => {
  await server?.close();
});

const exportUrl = (params: Record<string, string>) =>
  `${server.url}/api/v1/leads/export?${new URLSearchParams(params)}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      cells.push(cell);
      cell = "";
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

describe("GET /api/v1/leads/export", () => {
  it("streams every lead of the org as CSV, guarding formula cells", async () => {
    const res = await fetch(exportUrl({ orgId: org.id, format: "csv" }), {
      headers: bearer(org.admin.accessToken),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="leads-\d{8}T\d{6}Z\.csv"$/,
    );
    const lines = (await res.text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("id,createdAt,updatedAt,botId,conversationId,email,name,phone,source,customFields");
    expect(lines).toHaveLength(LEADS + 1);
    const rows = lines.slice(1).map(parseCsvLine);
    expect(new Set(rows.map((row) => row[5])).size).toBe(LEADS);
    expect(rows.some((row) => row[5] === "secret@other.example")).toBe(false);
    const formula = rows.find((row) => row[5] === "lead-0@example.com");
    expect(formula?.[6]).toBe('\'=HYPERLINK("http://evil.example")');
    const quoted = rows.find((row) => row[5] === "lead-1@example.com");
    expect(JSON.parse(quoted?.[9] ?? "{}")).toEqual({ note: 'has, comma and "quotes"' });
  });

  it("streams JSON filtered by bot, for an admin:org key too", async () => {
    const key = await server.app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const res = await fetch(exportUrl({ format: "json", botId: secondBot }), { headers: bearer(key.key) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await res.json()) as {
      email: string;
      botId: string;
      customFields: Record<string, string>;
    }[];
    expect(body).toHaveLength(20);
    expect(body.every((lead) => lead.botId === secondBot)).toBe(true);
    expect(body[0]?.customFields).toEqual({ note: "plain" });
    const all = await fetch(exportUrl({ format: "json" }), { headers: bearer(key.key) });
    expect(((await all.json()) as unknown[]).length).toBe(LEADS);
  });

  it("refuses agents and non-admin keys (403), other orgs (404) and unknown formats (400)", async () => {
    const agent = await fetch(exportUrl({ orgId: org.id, format: "csv" }), {
      headers: bearer(org.agent.accessToken),
    });
    expect(agent.status).toBe(403);
    const reader = await server.app.seedApiKey(org.id, { scopes: ["read:bots", "write:bots"] });
    expect((await fetch(exportUrl({ format: "csv" }), { headers: bearer(reader.key) })).status).toBe(403);
    const outsider = await fetch(exportUrl({ orgId: org.id, format: "csv" }), {
      headers: bearer(other.admin.accessToken),
    });
    expect(outsider.status).toBe(404);
    const xml = await fetch(exportUrl({ orgId: org.id, format: "xml" }), {
      headers: bearer(org.admin.accessToken),
    });
    expect(xml.status).toBe(400);
    expect((await fetch(exportUrl({ orgId: org.id, format: "csv" }))).status).toBe(401);
  });
});

describe("leads over REST", () => {
  it("creates, deduplicates, lists and gets leads with a write:bots key", async () => {
    const key = await server.app.seedApiKey(org.id, { scopes: ["write:bots"] });
    const post = (body: unknown) =>
      fetch(`${server.url}/api/v1/leads`, {
        method: "POST",
        headers: { ...bearer(key.key), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const created = await post({ botId, email: "REST@example.com", name: "Rest" });
    expect(created.status).toBe(201);
    const { lead, created: isNew } = (await created.json()) as {
      lead: { id: string; email: string };
      created: boolean;
    };
    expect(isNew).toBe(true);
    expect(lead).toMatchObject({ email: "rest@example.com" });
    expect(created.headers.get("location")).toBe(`/api/v1/leads/${lead.id}`);
    const again = (await (await post({ botId, email: "rest@example.com " })).json()) as {
      lead: { id: string };
      created: boolean;
    };
    expect(again).toMatchObject({ lead: { id: lead.id }, created: false });
    expect((await post({ botId, email: "bad" })).status).toBe(400);
    const list = await fetch(`${server.url}/api/v1/leads?email=rest@example.com`, {
      headers: bearer(key.key),
    });
    expect(((await list.json()) as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([
      lead.id,
    ]);
    const got = await fetch(`${server.url}/api/v1/leads/${lead.id}`, { headers: bearer(key.key) });
    expect(((await got.json()) as { lead: { name: string } }).lead.name).toBe("Rest");
  });
});
