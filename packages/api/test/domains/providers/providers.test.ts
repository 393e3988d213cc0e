import { aiProviders, eq } from "@kyro/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRows, failureOf } from "../../auth-helpers";
import { type FakeLlm, startFakeLlm } from "../../fake-llm";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

const KEY = "sk-test-0123456789abcdef";

let app: TestApp;
let llm: FakeLlm;
let org: SeededOrg;
let other: SeededOrg;

beforeAll(async () => {
  app = await createTestApp({
    settings: { outboundAllowCidrs: ["127.0.0.0/8"], ai: { callTimeoutMs: 1_000, maxRetries: 2 } },
  });
  llm = await startFakeLlm();
  org = await app.seedOrg("Providers");
  other = await app.seedOrg("Providers Other");
});
afterAll(async () => {
  await llm?.close();
  await app?.close();
});

const create = (name: string, extra: Record<string, unknown> = {}) =>
  app.caller(org.admin.accessToken).providers.create({
    orgId: org.id,
    name,
    baseUrl: llm.url,
    apiKey: KEY,
    chatModel: "fake-chat",
    ...extra,
  });

describe("providers", () => {
  it("stores the key encrypted, shows it masked, audits, and makes the first provider the default", async () => {
    const { provider } = await create("Main");
    expect(provider).toMatchObject({
      name: "Main",
      keyLast4: "cdef",
      isDefault: true,
      chatModel: "fake-chat",
    });
    expect(JSON.stringify(provider)).not.toContain(KEY);
    const [row] = await app.database.db
      .select({ keyCiphertext: aiProviders.keyCiphertext })
      .from(aiProviders)
      .where(eq(aiProviders.id, provider.id));
    expect(row?.keyCiphertext).not.toContain(KEY);
    const audits = await auditRows(app, { action: "ai_provider.create" });
    expect(JSON.stringify(audits)).not.toContain(KEY);
    expect(audits.length).toBe(1);
  });

  it("tests the provider and lists its models with the decrypted key, through the guarded client", async () => {
    const { provider } = await create("Tested");
    const owner = app.caller(org.owner.accessToken);
    const tested = await owner.providers.test({ orgId: org.id, providerId: provider.id });
    expect(tested.test).toMatchObject({ ok: true, error: null });
    expect(tested.provider.lastTestAt).toBeInstanceOf(Date);
    expect(llm.authorizations.at(-1)).toBe(`Bearer ${KEY}`);
    const audited = (await auditRows(app, { action: "ai_provider.test" })).filter(
      (row) => row.resourceId === provider.id,
    );
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited)).not.toContain(KEY);
    const page = await owner.providers.models.list({ orgId: org.id, providerId: provider.id, limit: 1 });
    expect(page.items).toEqual([{ id: "fake-chat", ownedBy: "fake" }]);
    const next = await owner.providers.models.list({
      orgId: org.id,
      providerId: provider.id,
      cursor: page.nextCursor as string,
    });
    expect(next).toEqual({ items: [{ id: "fake-embed", ownedBy: "fake" }], nextCursor: null });
  });

  it("rotates the key, moves the default, updates and deletes", async () => {
    const { provider } = await create("Rotated");
    const admin = app.caller(org.admin.accessToken);
    const rotated = await admin.providers.rotateKey({
      orgId: org.id,
      providerId: provider.id,
      apiKey: "sk-new-key-99998888zzzz",
    });
    expect(rotated.provider.keyLast4).toBe("zzzz");
    await admin.providers.test({ orgId: org.id, providerId: provider.id });
    expect(llm.authorizations.at(-1)).toBe("Bearer sk-new-key-99998888zzzz");
    await admin.providers.setDefault({ orgId: org.id, providerId: provider.id });
    const list = await admin.providers.list({ orgId: org.id });
    expect(list.items.filter((item) => item.isDefault).map((item) => item.id)).toEqual([provider.id]);
    const updated = await admin.providers.update({ orgId: org.id, providerId: provider.id, chatModel: "m2" });
    expect(updated.provider.chatModel).toBe("m2");
    await admin.providers.delete({ orgId: org.id, providerId: provider.id });
    expect((await failureOf(admin.providers.get({ orgId: org.id, providerId: provider.id }))).code).toBe(
      "NOT_FOUND",
    );
  });

  it("records a failing provider's reason: 5xx after retries, a hang after the timeout", async () => {
    const { provider } = await create("Flaky");
    const admin = app.caller(org.admin.accessToken);
    llm.failures.push({ status: 429, retryAfterSeconds: 0 }, { status: 503 });
    const recovered = await admin.providers.test({ orgId: org.id, providerId: provider.id });
    expect(recovered.test.ok).toBe(true);
    llm.failures.push({ status: 500 }, { status: 500 }, { status: 500 });
    const failed = await admin.providers.test({ orgId: org.id, providerId: provider.id });
    expect(failed.test).toMatchObject({ ok: false, error: "The provider refused the request (HTTP 500)" });
    expect(failed.provider.lastTestError).toBe("The provider refused the request (HTTP 500)");
    llm.failures.push({ status: 502 }, { status: 502 }, { status: 502 });
    const models = await failureOf(admin.providers.models.list({ orgId: org.id, providerId: provider.id }));
    expect(models.code).toBe("UNPROCESSABLE_CONTENT");
    llm.failures.push("hang", "hang", "hang");
    const hung = await admin.providers.test({ orgId: org.id, providerId: provider.id });
    expect(hung.test).toMatchObject({ ok: false, error: "The provider did not answer in time" });
  });

  it("refuses a base URL the SSRF guard forbids, a duplicate name, and control characters", async () => {
    const strict = await createTestApp();
    try {
      const strictOrg = await strict.seedOrg("Strict");
      const failure = await failureOf(
        strict.caller(strictOrg.owner.accessToken).providers.create({
          orgId: strictOrg.id,
          name: "Local",
          baseUrl: "http://127.0.0.1:1/v1",
          apiKey: KEY,
          chatModel: "x",
        }),
      );
      expect(failure.code).toBe("BAD_REQUEST");
    } finally {
      await strict.close();
    }
    await create("Twice");
    expect((await failureOf(create("Twice"))).code).toBe("CONFLICT");
    expect((await failureOf(create("Bad\u0007name"))).code).toBe("BAD_REQUEST");
  });

  it("answers 404 for another org's provider and 403 to roles without ai:manage", async () => {
    const { provider } = await create("Private");
    const outsider = app.caller(other.owner.accessToken);
    for (const call of [
      () => outsider.providers.get({ orgId: other.id, providerId: provider.id }),
      () => outsider.providers.test({ orgId: other.id, providerId: provider.id }),
      () => outsider.providers.update({ orgId: other.id, providerId: provider.id, name: "Mine" }),
      () => outsider.providers.delete({ orgId: other.id, providerId: provider.id }),
      () => outsider.providers.models.list({ orgId: other.id, providerId: provider.id }),
    ]) {
      expect((await failureOf(call())).code).toBe("NOT_FOUND");
    }
    const agent = await failureOf(app.caller(org.agent.accessToken).providers.list({ orgId: org.id }));
    expect(agent.code).toBe("FORBIDDEN");
  });
});
