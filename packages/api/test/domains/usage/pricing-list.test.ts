import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type SeededOrg, type TestApp } from "../../harness";

/** Model prices page by model name; a cursor the server did not mint is refused, never sent to the database. */

const OPERATOR = "pricing-list-operator@example.test";
let app: TestApp;
let org: SeededOrg;

beforeAll(async () => {
  app = await createTestApp({ settings: { platformAdmins: [OPERATOR] } });
  org = await app.seedOrg("Pricing list");
  const operator = app.caller((await app.seedUser({ email: OPERATOR })).accessToken);
  for (const model of ["model-a", "model-b", "model-c"]) {
    await operator.usage.pricing.set({ model, inputUsdPerMillion: "1", outputUsdPerMillion: "2" });
  }
});
afterAll(async () => {
  await app?.close();
});

describe("usage.pricing.list", () => {
  it("pages by model name with the cursor it minted", async () => {
    const owner = app.caller(org.owner.accessToken);
    const first = await owner.usage.pricing.list({ orgId: org.id, limit: 2 });
    expect(first.items.map((price) => price.model)).toEqual(["model-a", "model-b"]);
    const second = await owner.usage.pricing.list({
      orgId: org.id,
      limit: 2,
      cursor: first.nextCursor ?? "",
    });
    expect(second).toMatchObject({ items: [{ model: "model-c" }], nextCursor: null });
  });

  // "9QA" decodes to 0xF5 0x00: invalid UTF-8 and a NUL, which Postgres refused with a 500.
  it.each(["9QA", "AA", "bW9kZWwtYQ=="])("refuses the made-up cursor %s with 400", async (cursor) => {
    const owner = app.caller(org.owner.accessToken);
    await expect(owner.usage.pricing.list({ orgId: org.id, limit: 2, cursor })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("Invalid cursor"),
    });
  });
});
