import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureBase64, waitForSync } from "../../ai-fixtures";
import { auditRows, failureOf } from "../../auth-helpers";
import { eventsOf, seedBot } from "../../conversations-fixtures";
import { type FixtureSite, startFixtureSite } from "../../fixture-site";
import { type Caller, createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let site: FixtureSite;
let org: SeededOrg;
let other: SeededOrg;
let admin: Caller;
let botId: string;

beforeAll(async () => {
  app = await createTestApp({
    settings: {
      outboundAllowCidrs: ["127.0.0.0/8"],
      sources: {
        maxFileBytes: 64 * 1024,
        maxCrawlPages: 20,
        maxCrawlDepth: 3,
        maxPageBytes: 256 * 1024,
        fetchTimeoutMs: 2_000,
        syncTimeoutMs: 60_000,
        maxAttempts: 3,
      },
    },
    worker: true,
  });
  site = await startFixtureSite();
  org = await app.seedOrg("Sources");
  other = await app.seedOrg("Sources Other");
  admin = app.caller(org.admin.accessToken);
  botId = (await seedBot(app, org.id)).id;
});
afterAll(async () => {
  await site?.close();
  await app?.close();
});

const createFile = (fileName: string, contentBase64 = fixtureBase64(fileName)) =>
  admin.sources.create({
    orgId: org.id,
    botId,
    name: fileName,
    config: { kind: "file", fileName, contentBase64 },
  });

async function chunksOf(sourceId: string) {
  const documents = await admin.sources.documents.list({ orgId: org.id, sourceId });
  const chunks = await Promise.all(
    documents.items.map((document) => admin.sources.chunks.list({ orgId: org.id, documentId: document.id })),
  );
  return { documents: documents.items, chunks: chunks.flatMap((page) => page.items) };
}

describe("file sources", () => {
  it.each([
    ["warranty.pdf", "pdf", "24 months"],
    ["returns.docx", "docx", "within 30 days"],
    ["shipping.html", "html", "two business days"],
    ["descaling.md", "markdown", "three months"],
    ["notes.txt", "text", "steam wand"],
  ])("extracts %s (%s by content) into searchable chunks", async (fileName, fileType, phrase) => {
    const created = await createFile(fileName);
    expect(created.source.settings).toMatchObject({ fileName, fileType });
    expect(created.syncJob).toMatchObject({ status: "queued", trigger: "created" });
    const job = await waitForSync(admin, org.id, created.syncJob?.id as string);
    expect(job).toMatchObject({ status: "succeeded", error: null, stats: { documents: 1, errors: 0 } });
    expect(job.stats.chunks).toBeGreaterThan(0);
    const { chunks } = await chunksOf(created.source.id);
    expect(chunks.map((chunk) => chunk.content).join(" ")).toContain(phrase);
    const { source } = await admin.sources.get({ orgId: org.id, sourceId: created.source.id });
    expect(source).toMatchObject({ status: "ready", lastError: null });
  });

  it("fails the sync of a malformed PDF with its reason and a source.failed event", async () => {
    const created = await createFile("broken.pdf");
    const job = await waitForSync(admin, org.id, created.syncJob?.id as string);
    expect(job).toMatchObject({
      status: "failed",
      error: "The PDF file could not be read (damaged or unsupported)",
    });
    const events = await eventsOf(app, org.id, "source.failed");
    expect(events.some((event) => (event.data as { syncJobId: string }).syncJobId === job.id)).toBe(true);
    const { source } = await admin.sources.get({ orgId: org.id, sourceId: created.source.id });
    expect(source.status).toBe("failed");
  });

  it("refuses an oversized file (413), a type it cannot read (422) and bad base64 (400), storing nothing", async () => {
    const before = await admin.sources.list({ orgId: org.id, botId });
    const big = Buffer.alloc(65 * 1024, "a").toString("base64");
    expect(await failureOf(createFile("big.txt", big))).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString("base64");
    expect(await failureOf(createFile("image.pdf", png))).toMatchObject({ code: "UNPROCESSABLE_CONTENT" });
    expect(await failureOf(createFile("x.txt", "not base64!"))).toMatchObject({ code: "BAD_REQUEST" });
    expect((await admin.sources.list({ orgId: org.id, botId })).items.length).toBe(before.items.length);
  });
});

describe("url sources", () => {
  it("crawls the same site within depth and page caps, honours robots.txt, and survives a link loop", async () => {
    const created = await admin.sources.create({
      orgId: org.id,
      botId,
      name: "Help center",
      config: { kind: "url", url: `${site.url}/`, maxDepth: 2, maxPages: 10 },
    });
    const job = await waitForSync(admin, org.id, created.syncJob?.id as string);
    expect(job.status).toBe("succeeded");
    const { documents, chunks } = await chunksOf(created.source.id);
    const paths = documents.map((document) => new URL(document.url as string).pathname).sort();
    expect(paths).toEqual(["/", "/brewing", "/brewing/advanced", "/moved", "/orders"]);
    expect(site.requested).not.toContain("/private/staff");
    expect(site.requested).not.toContain("/brewing/expert");
    expect(site.requested.filter((path) => path === "/brewing").length).toBe(1);
    expect(chunks.map((chunk) => chunk.content).join(" ")).toContain("sixteen grams of water");
    expect(job.stats).toMatchObject({ pages: 5, documents: 5, errors: 1 });
  });

  it("stops at the page cap, and a re-sync keeps unchanged documents", async () => {
    const created = await admin.sources.create({
      orgId: org.id,
      botId,
      name: "Capped",
      config: { kind: "url", url: `${site.url}/`, maxDepth: 3, maxPages: 2 },
    });
    await waitForSync(admin, org.id, created.syncJob?.id as string);
    const first = await chunksOf(created.source.id);
    expect(first.documents.length).toBe(2);
    const { syncJob } = await admin.sources.sync({ orgId: org.id, sourceId: created.source.id });
    expect(syncJob.trigger).toBe("manual");
    expect((await waitForSync(admin, org.id, syncJob.id)).status).toBe("succeeded");
    const second = await chunksOf(created.source.id);
    expect(second.chunks.map((chunk) => chunk.id)).toEqual(first.chunks.map((chunk) => chunk.id));
  });

  it("fails a crawl of a site that does not answer, with the reason", async () => {
    const created = await admin.sources.create({
      orgId: org.id,
      botId,
      name: "Gone",
      config: { kind: "url", url: "http://127.0.0.1:1/" },
    });
    const job = await waitForSync(admin, org.id, created.syncJob?.id as string);
    expect(job.status).toBe("failed");
    expect(job.error).toMatch(/^No page could be read/);
  });
});

describe("text and webhook sources", () => {
  it("indexes text, re-indexes it on update, and audits", async () => {
    const created = await admin.sources.create({
      orgId: org.id,
      botId,
      name: "Opening hours",
      config: { kind: "text", text: "The shop opens at eight in the morning." },
    });
    await waitForSync(admin, org.id, created.syncJob?.id as string);
    const updated = await admin.sources.update({
      orgId: org.id,
      sourceId: created.source.id,
      text: "The shop opens at nine in the morning on Sundays.",
      resyncIntervalHours: 24,
    });
    expect(updated.source.nextSyncAt).toBeInstanceOf(Date);
    await waitForSync(admin, org.id, updated.syncJob?.id as string);
    const { chunks } = await chunksOf(created.source.id);
    expect(chunks.map((chunk) => chunk.content)).toEqual([
      "The shop opens at nine in the morning on Sundays.",
    ]);
    expect((await auditRows(app, { action: "source.update" })).length).toBeGreaterThan(0);
  });

  it("takes pushed documents on a webhook source (add, then replace by key) from an API key", async () => {
    const { source } = await admin.sources.create({
      orgId: org.id,
      botId,
      name: "CMS",
      config: { kind: "webhook" },
    });
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const push = (text: string) =>
      app.caller(key.key).sources.documents.push({
        orgId: org.id,
        sourceId: source.id,
        documents: [{ key: "faq-1", title: "Gift cards", text }],
      });
    const first = await push("Gift cards never expire.");
    expect(first.syncJob).toMatchObject({
      status: "succeeded",
      trigger: "push",
      stats: { documents: 1, chunks: 1 },
    });
    await push("Gift cards are valid for five years.");
    const { documents, chunks } = await chunksOf(source.id);
    expect(documents.length).toBe(1);
    expect(chunks.map((chunk) => chunk.content)).toEqual(["Gift cards are valid for five years."]);
    const textSource = (await admin.sources.list({ orgId: org.id, botId })).items.find(
      (item) => item.kind === "text",
    );
    const refused = await failureOf(
      admin.sources.documents.push({
        orgId: org.id,
        sourceId: textSource?.id as string,
        documents: [{ key: "k", title: "t", text: "x" }],
      }),
    );
    expect(refused.code).toBe("CONFLICT");
  });
});

describe("tenancy", () => {
  it("answers 404 for another org's source, document, chunk list and sync job, and for another org's bot", async () => {
    const created = await admin.sources.create({
      orgId: org.id,
      botId,
      name: "Mine",
      config: { kind: "text", text: "Only for this org." },
    });
    const job = await waitForSync(admin, org.id, created.syncJob?.id as string);
    const [document] = (await admin.sources.documents.list({ orgId: org.id, sourceId: created.source.id }))
      .items;
    const outsider = app.caller(other.owner.accessToken);
    const sourceId = created.source.id;
    const documentId = document?.id as string;
    for (const call of [
      () => outsider.sources.get({ orgId: other.id, sourceId }),
      () => outsider.sources.update({ orgId: other.id, sourceId, name: "x" }),
      () => outsider.sources.delete({ orgId: other.id, sourceId }),
      () => outsider.sources.sync({ orgId: other.id, sourceId }),
      () => outsider.sources.syncJobs.list({ orgId: other.id, sourceId }),
      () => outsider.sources.syncJobs.get({ orgId: other.id, syncJobId: job.id }),
      () => outsider.sources.documents.list({ orgId: other.id, sourceId }),
      () => outsider.sources.documents.get({ orgId: other.id, documentId }),
      () => outsider.sources.chunks.list({ orgId: other.id, documentId }),
      () => outsider.sources.create({ orgId: other.id, botId, name: "x", config: { kind: "webhook" } }),
    ]) {
      expect((await failureOf(call())).code).toBe("NOT_FOUND");
    }
    expect((await outsider.sources.list({ orgId: other.id })).items).toEqual([]);
    const viewer = await failureOf(
      app.caller(org.viewer.accessToken).sources.sync({ orgId: org.id, sourceId }),
    );
    expect(viewer.code).toBe("FORBIDDEN");
    expect(
      (await app.caller(org.viewer.accessToken).sources.get({ orgId: org.id, sourceId })).source.id,
    ).toBe(sourceId);
    await admin.sources.delete({ orgId: org.id, sourceId });
    expect((await failureOf(admin.sources.documents.get({ orgId: org.id, documentId }))).code).toBe(
      "NOT_FOUND",
    );
  });
});
