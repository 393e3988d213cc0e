import { bots, botVersions, eq, sql } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_TEMPLATES } from "../../../src/domains/bots/templates";
import { DEFAULT_BOT_CONFIG } from "../../../src/domains/shared/bot-config";
import { auditRows, failureOf } from "../../auth-helpers";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

let app: TestApp;
let org: SeededOrg;
let neighbour: SeededOrg;

beforeAll(async () => {
  app = await createTestApp();
  org = await app.seedOrg("Bots");
  neighbour = await app.seedOrg("Bots Neighbour");
});
afterAll(async () => {
  await app?.close();
});

const as = (token: string) => app.caller(token).bots;
const admin = () => as(org.admin.accessToken);

async function storedBot(id: string) {
  const [row] = await app.database.db
    .select({ identitySecret: bots.identitySecret, deletedAt: bots.deletedAt, config: bots.config })
    .from(bots)
    .where(eq(bots.id, id));
  return row;
}

describe("bots: create, get, list", () => {
  it("creates a draft bot with the default config, audited, without exposing the identity secret", async () => {
    const { bot } = await admin().create({ orgId: org.id, name: "  Helper  ", description: "Front page" });
    expect(bot).toMatchObject({
      name: "Helper",
      description: "Front page",
      status: "draft",
      templateId: null,
      currentVersionId: null,
      currentVersion: null,
      deletedAt: null,
      purgeAt: null,
      createdBy: { id: org.admin.id, email: org.admin.email },
    });
    expect(bot.config).toEqual(DEFAULT_BOT_CONFIG);
    expect(JSON.stringify(bot)).not.toMatch(/kyro_id_/);
    const stored = await storedBot(bot.id);
    expect(stored?.identitySecret).toMatch(/^kyro_id_[\w-]{43}$/);
    const [event] = (await auditRows(app, { action: "bot.created" })).filter(
      (row) => row.resourceId === bot.id,
    );
    expect(event).toMatchObject({ orgId: org.id, actorId: org.admin.id, resourceType: "bot" });
    expect(event?.diff?.after).toMatchObject({ name: "Helper", status: "draft" });

    const listed = await admin().list({ orgId: org.id });
    expect(JSON.stringify(listed)).not.toMatch(/kyro_id_|identitySecret/);
    const fetched = await admin().get({ orgId: org.id, botId: bot.id });
    expect(JSON.stringify(fetched)).not.toMatch(/kyro_id_|identitySecret/);
    expect(fetched.bot).toEqual(bot);
  });

  it("merges given config fields over the defaults and validates them", async () => {
    const { bot } = await admin().create({
      orgId: org.id,
      name: "Configured",
      config: {
        persona: "You are terse.",
        businessHours: { timezone: "Europe/Paris", ranges: [{ day: "mon", start: "09:00", end: "18:00" }] },
        escalation: { keywords: ["human"], fallbacksBeforeHandoff: 1 },
        requireIdentity: true,
      },
    });
    expect(bot.config).toEqual({
      ...DEFAULT_BOT_CONFIG,
      persona: "You are terse.",
      businessHours: { timezone: "Europe/Paris", ranges: [{ day: "mon", start: "09:00", end: "18:00" }] },
      escalation: { keywords: ["human"], fallbacksBeforeHandoff: 1 },
      requireIdentity: true,
    });
    const before = (await admin().list({ orgId: org.id })).items.length;
    const badZone = await failureOf(
      admin().create({
        orgId: org.id,
        name: "X",
        config: { businessHours: { timezone: "Mars/Olympus", ranges: [] } },
      }),
    );
    expect(badZone.code).toBe("BAD_REQUEST");
    const badRange = await failureOf(
      admin().create({
        orgId: org.id,
        name: "X",
        config: {
          businessHours: { timezone: "UTC", ranges: [{ day: "mon", start: "18:00", end: "09:00" }] },
        },
      }),
    );
    expect(badRange.code).toBe("BAD_REQUEST");
    expect((await failureOf(admin().create({ orgId: org.id }))).message).toMatch(/Name is required/);
    expect((await admin().list({ orgId: org.id })).items.length).toBe(before);
  });

  it("lists templates and creates from one, with overrides", async () => {
    const { items } = await as(org.viewer.accessToken).templates({ orgId: org.id });
    expect(items.map((template) => template.id)).toEqual(["customer-support", "lead-capture", "faq"]);
    const support = BOT_TEMPLATES[0];
    const { bot } = await admin().create({
      orgId: org.id,
      templateId: "customer-support",
      config: { welcomeMessage: "Hello from Acme" },
    });
    expect(bot).toMatchObject({ name: support?.name, templateId: "customer-support" });
    expect(bot.config).toEqual({ ...support?.config, welcomeMessage: "Hello from Acme" });
    const unknown = await failureOf(admin().create({ orgId: org.id, templateId: "nope" }));
    expect(unknown).toMatchObject({
      code: "BAD_REQUEST",
      details: { issues: [{ path: "templateId", code: "unknown_template" }] },
    });
    for (const template of items) expect(unknown.message).toContain(template.id);
  });

  it("pages through the list newest first and filters by status", async () => {
    const other = await app.seedOrg("Paging");
    const owner = as(other.owner.accessToken);
    const created = [];
    for (const name of ["one", "two", "three"])
      created.push((await owner.create({ orgId: other.id, name })).bot);
    await owner.update({ orgId: other.id, botId: created[1]?.id ?? "", status: "active" });
    const first = await owner.list({ orgId: other.id, limit: 2 });
    expect(first.items.map((bot) => bot.name)).toEqual(["three", "two"]);
    expect(first.nextCursor).not.toBeNull();
    const second = await owner.list({ orgId: other.id, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((bot) => bot.name)).toEqual(["one"]);
    expect(second.nextCursor).toBeNull();
    const active = await owner.list({ orgId: other.id, status: "active" });
    expect(active.items.map((bot) => bot.name)).toEqual(["two"]);
  });
});

describe("bots: authorization and tenancy", () => {
  it("lets viewers read but not write (403), and refuses anonymous callers (401)", async () => {
    const { bot } = await admin().create({ orgId: org.id, name: "Guarded" });
    const viewer = as(org.viewer.accessToken);
    const agent = as(org.agent.accessToken);
    expect((await viewer.get({ orgId: org.id, botId: bot.id })).bot.id).toBe(bot.id);
    expect((await viewer.versions({ orgId: org.id, botId: bot.id })).items).toEqual([]);
    for (const call of [
      () => viewer.update({ orgId: org.id, botId: bot.id, name: "Hacked" }),
      () => agent.update({ orgId: org.id, botId: bot.id, name: "Hacked" }),
      () => viewer.delete({ orgId: org.id, botId: bot.id }),
      () => viewer.publish({ orgId: org.id, botId: bot.id }),
      () => viewer.identitySecret({ orgId: org.id, botId: bot.id }),
      () => viewer.create({ orgId: org.id, name: "New" }),
      () => viewer.list({ orgId: org.id, includeDeleted: true }),
    ]) {
      expect((await failureOf(call())).code).toBe("FORBIDDEN");
    }
    expect((await failureOf(app.caller().bots.get({ orgId: org.id, botId: bot.id }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect((await admin().get({ orgId: org.id, botId: bot.id })).bot.name).toBe("Guarded");
  });

  it("answers 404 for another org's bot, even with the bot's id", async () => {
    const { bot } = await as(neighbour.owner.accessToken).create({ orgId: neighbour.id, name: "Theirs" });
    const calls = [
      () => admin().get({ orgId: org.id, botId: bot.id }),
      () => admin().update({ orgId: org.id, botId: bot.id, name: "Mine" }),
      () => admin().delete({ orgId: org.id, botId: bot.id }),
      () => admin().restore({ orgId: org.id, botId: bot.id }),
      () => admin().clone({ orgId: org.id, botId: bot.id }),
      () => admin().publish({ orgId: org.id, botId: bot.id }),
      () => admin().versions({ orgId: org.id, botId: bot.id }),
      () => admin().identitySecret({ orgId: org.id, botId: bot.id }),
      () => admin().rotateIdentitySecret({ orgId: org.id, botId: bot.id }),
      // The other org's id with our membership: the org itself is not ours.
      () => admin().get({ orgId: neighbour.id, botId: bot.id }),
    ];
    for (const call of calls) expect((await failureOf(call())).code).toBe("NOT_FOUND");
    const stored = await as(neighbour.owner.accessToken).get({ orgId: neighbour.id, botId: bot.id });
    expect(stored.bot.name).toBe("Theirs");
  });

  it("confines a bot-restricted key to its bot: list shows it alone, others are 404, creation is 403", async () => {
    const mine = (await admin().create({ orgId: org.id, name: "Keyed" })).bot;
    const other = (await admin().create({ orgId: org.id, name: "Not keyed" })).bot;
    const key = await app.seedApiKey(org.id, { scopes: ["write:bots"], botId: mine.id });
    const restricted = app.caller(key.key).bots;
    const listed = await restricted.list({ orgId: org.id });
    expect(listed.items.map((bot) => bot.id)).toEqual([mine.id]);
    expect((await restricted.get({ orgId: org.id, botId: mine.id })).bot.name).toBe("Keyed");
    await restricted.update({ orgId: org.id, botId: mine.id, description: "by key" });
    for (const call of [
      () => restricted.get({ orgId: org.id, botId: other.id }),
      () => restricted.update({ orgId: org.id, botId: other.id, name: "x" }),
      () => restricted.versions({ orgId: org.id, botId: other.id }),
      () => restricted.identitySecret({ orgId: org.id, botId: other.id }),
    ]) {
      expect((await failureOf(call())).code).toBe("NOT_FOUND");
    }
    expect((await failureOf(restricted.create({ orgId: org.id, name: "More" }))).code).toBe("FORBIDDEN");
    expect((await failureOf(restricted.clone({ orgId: org.id, botId: mine.id }))).code).toBe("FORBIDDEN");
    const [event] = (await auditRows(app, { action: "bot.updated", actorId: key.id })).filter(
      (row) => row.resourceId === mine.id,
    );
    expect(event).toMatchObject({ actorType: "api_key", diff: { after: { description: "by key" } } });
  });

  it("refuses a read-only key on writes (403) and serves reads", async () => {
    const { bot } = await admin().create({ orgId: org.id, name: "Read only" });
    const key = await app.seedApiKey(org.id, { scopes: ["read:bots"] });
    const reader = app.caller(key.key).bots;
    expect((await reader.get({ orgId: org.id, botId: bot.id })).bot.id).toBe(bot.id);
    expect((await failureOf(reader.update({ orgId: org.id, botId: bot.id, name: "x" }))).code).toBe(
      "FORBIDDEN",
    );
  });
});

describe("bots: update", () => {
  it("changes only the given fields, audits the difference, and skips no-op updates", async () => {
    const { bot } = await admin().create({ orgId: org.id, name: "Editable", config: { persona: "Kind" } });
    const { bot: updated } = await admin().update({
      orgId: org.id,
      botId: bot.id,
      status: "active",
      config: { welcomeMessage: "Welcome!", escalation: { keywords: ["agent"] } },
    });
    expect(updated).toMatchObject({ name: "Editable", status: "active" });
    expect(updated.config).toEqual({
      ...DEFAULT_BOT_CONFIG,
      persona: "Kind",
      welcomeMessage: "Welcome!",
      escalation: { keywords: ["agent"], fallbacksBeforeHandoff: 3 },
    });
    const events = (await auditRows(app, { action: "bot.updated" })).filter(
      (row) => row.resourceId === bot.id,
    );
    expect(events).toHaveLength(1);
    expect(Object.keys(events[0]?.diff?.after ?? {}).sort()).toEqual(["config", "status"]);
    expect(events[0]?.diff?.before).toMatchObject({ status: "draft" });

    await admin().update({ orgId: org.id, botId: bot.id, status: "active" });
    expect(
      (await auditRows(app, { action: "bot.updated" })).filter((row) => row.resourceId === bot.id),
    ).toHaveLength(1);

    const bad = await failureOf(
      admin().update({ orgId: org.id, botId: bot.id, name: "Changed", config: { language: "not a tag!" } }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect((await admin().get({ orgId: org.id, botId: bot.id })).bot.name).toBe("Editable");
  });
});

describe("bots: soft delete, restore, purge", () => {
  it("hides a deleted bot everywhere (404) but from restore and includeDeleted", async () => {
    const { bot } = await admin().create({ orgId: org.id, name: "Doomed" });
    const { bot: deleted } = await admin().delete({ orgId: org.id, botId: bot.id });
    expect(deleted.deletedAt).toBeInstanceOf(Date);
    expect(deleted.purgeAt?.getTime()).toBe((deleted.deletedAt?.getTime() ?? 0) + 30 * 86_400_000);
    for (const call of [
      () => admin().get({ orgId: org.id, botId: bot.id }),
      () => admin().update({ orgId: org.id, botId: bot.id, name: "x" }),
      () => admin().delete({ orgId: org.id, botId: bot.id }),
      () => admin().publish({ orgId: org.id, botId: bot.id }),
      () => admin().versions({ orgId: org.id, botId: bot.id }),
      () => admin().clone({ orgId: org.id, botId: bot.id }),
      () => admin().identitySecret({ orgId: org.id, botId: bot.id }),
    ]) {
      expect((await failureOf(call())).code).toBe("NOT_FOUND");
    }
    expect((await admin().list({ orgId: org.id })).items.map((item) => item.id)).not.toContain(bot.id);
    const withDeleted = await admin().list({ orgId: org.id, includeDeleted: true });
    expect(withDeleted.items.find((item) => item.id === bot.id)?.deletedAt).toBeInstanceOf(Date);

    const { bot: restored } = await admin().restore({ orgId: org.id, botId: bot.id });
    expect(restored).toMatchObject({ id: bot.id, deletedAt: null, purgeAt: null, name: "Doomed" });
    expect((await failureOf(admin().restore({ orgId: org.id, botId: bot.id }))).code).toBe("CONFLICT");
    expect((await auditRows(app, { action: "bot.deleted" })).some((row) => row.resourceId === bot.id)).toBe(
      true,
    );
    expect((await auditRows(app, { action: "bot.restored" })).some((row) => row.resourceId === bot.id)).toBe(
      true,
    );
  });

  it("cannot restore after the 30-day window; the purge deletes only expired bots and audits as system", async () => {
    const { purgeDeletedBots } = await import("../../../src/domains/bots/purge");
    const { bot: old } = await admin().create({ orgId: org.id, name: "Old" });
    const { bot: recent } = await admin().create({ orgId: org.id, name: "Recent" });
    const { bot: live } = await admin().create({ orgId: org.id, name: "Live" });
    await admin().publish({ orgId: org.id, botId: old.id });
    await admin().delete({ orgId: org.id, botId: old.id });
    await admin().delete({ orgId: org.id, botId: recent.id });
    const now = new Date();
    await app.database.db
      .update(bots)
      .set({ deletedAt: new Date(now.getTime() - 31 * 86_400_000) })
      .where(eq(bots.id, old.id));
    await app.database.db
      .update(bots)
      .set({ deletedAt: new Date(now.getTime() - 29 * 86_400_000) })
      .where(eq(bots.id, recent.id));

    expect((await failureOf(admin().restore({ orgId: org.id, botId: old.id }))).code).toBe("NOT_FOUND");
    const listed = await admin().list({ orgId: org.id, includeDeleted: true });
    expect(listed.items.map((item) => item.id)).not.toContain(old.id);
    expect(listed.items.map((item) => item.id)).toContain(recent.id);

    expect(await purgeDeletedBots(app.deps, now)).toBeGreaterThanOrEqual(1);
    expect(await storedBot(old.id)).toBeUndefined();
    const [versions] = await app.database.db
      .select({ count: sql<number>`count(*)::int` })
      .from(botVersions)
      .where(eq(botVersions.botId, old.id));
    expect(versions?.count).toBe(0);
    expect(await storedBot(recent.id)).toBeDefined();
    expect(await storedBot(live.id)).toBeDefined();
    const [event] = (await auditRows(app, { action: "bot.purged" })).filter(
      (row) => row.resourceId === old.id,
    );
    expect(event).toMatchObject({ orgId: org.id, actorType: "system", actorId: null, resourceType: "bot" });
    expect(await purgeDeletedBots(app.deps, now)).toBe(0);

    // 31 days later the recent one goes too.
    expect(await purgeDeletedBots(app.deps, new Date(now.getTime() + 2 * 86_400_000))).toBeGreaterThanOrEqual(
      1,
    );
    expect(await storedBot(recent.id)).toBeUndefined();
  });

  it("registers the purge as a daily job whose run purges", async () => {
    const { JOBS } = await import("../../../src/jobs");
    const job = JOBS.find((entry) => entry.name === "bots.purge-deleted");
    expect(job?.schedule).toMatch(/^\d+ \d+ \* \* \*$/);
    const { bot } = await admin().create({ orgId: org.id, name: "Job purged" });
    await admin().delete({ orgId: org.id, botId: bot.id });
    await app.database.db
      .update(bots)
      .set({ deletedAt: new Date(Date.now() - 40 * 86_400_000) })
      .where(eq(bots.id, bot.id));
    await job?.handle(app.deps, {});
    expect(await storedBot(bot.id)).toBeUndefined();
  });
});

describe("bots: clone", () => {
  it("copies config and widget overrides into a new draft with its own identity secret", async () => {
    const { bot } = await admin().create({
      orgId: org.id,
      name: "Original",
      config: { persona: "Cloned persona" },
    });
    await admin().update({ orgId: org.id, botId: bot.id, status: "active" });
    await admin().publish({ orgId: org.id, botId: bot.id });
    await app
      .caller(org.admin.accessToken)
      .widget.set({ orgId: org.id, botId: bot.id, settings: { primaryColor: "#ABCDEF" } });
    const { bot: copy } = await admin().clone({ orgId: org.id, botId: bot.id });
    expect(copy).toMatchObject({ name: "Original (copy)", status: "draft", currentVersionId: null });
    expect(copy.id).not.toBe(bot.id);
    expect(copy.config.persona).toBe("Cloned persona");
    expect((await storedBot(copy.id))?.identitySecret).not.toBe((await storedBot(bot.id))?.identitySecret);
    const widget = await app.caller(org.admin.accessToken).widget.get({ orgId: org.id, botId: copy.id });
    expect(widget.overrides).toEqual({ primaryColor: "#abcdef" });
    const named = await admin().clone({ orgId: org.id, botId: bot.id, name: "Second" });
    expect(named.bot.name).toBe("Second");
    const [event] = (await auditRows(app, { action: "bot.cloned" })).filter(
      (row) => row.resourceId === copy.id,
    );
    expect(event?.diff?.after).toMatchObject({ clonedFrom: bot.id });
  });
});

describe("bots: publish and versions", () => {
  it("numbers versions per bot, keeps snapshots immutable and restores one", async () => {
    const { bot } = await admin().create({
      orgId: org.id,
      name: "Versioned",
      config: { welcomeMessage: "v1" },
    });
    const first = await admin().publish({ orgId: org.id, botId: bot.id });
    expect(first.version).toMatchObject({
      version: 1,
      current: true,
      botId: bot.id,
      name: "Versioned",
      createdBy: { id: org.admin.id, email: org.admin.email },
    });
    expect(first.bot).toMatchObject({ currentVersionId: first.version.id, currentVersion: 1 });
    await admin().update({ orgId: org.id, botId: bot.id, config: { welcomeMessage: "v2" } });
    const second = await as(org.owner.accessToken).publish({ orgId: org.id, botId: bot.id });
    expect(second.version.version).toBe(2);
    await admin().update({ orgId: org.id, botId: bot.id, config: { welcomeMessage: "draft" } });

    // Another bot's numbering is its own.
    const { bot: other } = await admin().create({ orgId: org.id, name: "Other" });
    expect((await admin().publish({ orgId: org.id, botId: other.id })).version.version).toBe(1);

    const listed = await as(org.viewer.accessToken).versions({ orgId: org.id, botId: bot.id });
    expect(
      listed.items.map((version) => [version.version, version.current, version.config.welcomeMessage]),
    ).toEqual([
      [2, true, "v2"],
      [1, false, "v1"],
    ]);
    expect(listed.items[0]?.createdBy?.email).toBe(org.owner.email);
    const page = await admin().versions({ orgId: org.id, botId: bot.id, limit: 1 });
    expect(page.nextCursor).toEqual(expect.any(String));
    const cursor = page.nextCursor ?? "";
    const next = await admin().versions({ orgId: org.id, botId: bot.id, limit: 1, cursor });
    expect(next.items.map((version) => version.version)).toEqual([1]);

    const { bot: restored } = await admin().restoreVersion({
      orgId: org.id,
      botId: bot.id,
      versionId: first.version.id,
    });
    expect(restored).toMatchObject({ currentVersionId: first.version.id, currentVersion: 1 });
    expect(restored.config.welcomeMessage).toBe("v1");
    const after = await admin().versions({ orgId: org.id, botId: bot.id });
    expect(after.items.map((version) => version.current)).toEqual([false, true]);
    expect(after.items[0]?.config.welcomeMessage).toBe("v2");

    const foreignVersion = await failureOf(
      admin().restoreVersion({ orgId: org.id, botId: other.id, versionId: first.version.id }),
    );
    expect(foreignVersion.code).toBe("NOT_FOUND");
    for (const action of ["bot.published", "bot.version_restored"]) {
      expect((await auditRows(app, { action })).some((row) => row.resourceId === bot.id)).toBe(true);
    }
  });

  it("gives concurrent publishes distinct numbers", async () => {
    const { bot } = await admin().create({ orgId: org.id, name: "Racy" });
    const results = await Promise.all([1, 2, 3].map(() => admin().publish({ orgId: org.id, botId: bot.id })));
    expect(results.map((result) => result.version.version).sort()).toEqual([1, 2, 3]);
  });
});

describe("bots: identity secret", () => {
  it("is readable only through identitySecret (audited) and rotates", async () => {
    const { bot } = await admin().create({ orgId: org.id, name: "Identified" });
    const { secret } = await admin().identitySecret({ orgId: org.id, botId: bot.id });
    expect(secret).toBe((await storedBot(bot.id))?.identitySecret);
    const rotated = await admin().rotateIdentitySecret({ orgId: org.id, botId: bot.id });
    expect(rotated.secret).not.toBe(secret);
    expect((await admin().identitySecret({ orgId: org.id, botId: bot.id })).secret).toBe(rotated.secret);
    const viewed = (await auditRows(app, { action: "bot.identity_secret_viewed" })).filter(
      (row) => row.resourceId === bot.id,
    );
    expect(viewed).toHaveLength(2);
    const [rotation] = (await auditRows(app, { action: "bot.identity_secret_rotated" })).filter(
      (row) => row.resourceId === bot.id,
    );
    expect(JSON.stringify(rotation)).not.toContain(rotated.secret);
  });
});
