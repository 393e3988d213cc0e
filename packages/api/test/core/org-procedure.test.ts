import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createContext } from "../../src/core/context";
import { createCallerFactory, orgProcedure, router } from "../../src/core/trpc";
import { createTestApp, type TestApp } from "../harness";

const probe = router({
  echo: orgProcedure("org:update")
    .input(z.object({ text: z.string().min(3) }))
    .query(({ input, ctx }) => ({ text: input.text, role: ctx.org.role })),
});

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe("org procedure", () => {
  it("checks membership before validating the rest", async () => {
    const org = await app.seedOrg();
    const other = await app.seedOrg("Other");
    const call = (token: string) =>
      createCallerFactory(probe)(
        createContext({
          runtime: app.runtime,
          request: { requestId: "r", ip: "1", userAgent: null, origin: null },
          authorization: `Bearer ${token}`,
        }),
      );
    await expect(call(org.owner.accessToken).echo({ orgId: other.id } as never)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(call(org.viewer.accessToken).echo({ orgId: org.id, text: "hello" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(call(org.admin.accessToken).echo({ orgId: org.id, text: "x" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await call(org.admin.accessToken).echo({ orgId: org.id, text: "hello" })).toEqual({
      text: "hello",
      role: "admin",
    });
    await expect(call("nope").echo({ orgId: org.id, text: "hello" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("reads the membership on every call: a role change and a removal apply to the next one", async () => {
    const org = await app.seedOrg("Membership Fresh");
    const as = (token: string) =>
      createCallerFactory(probe)(
        createContext({
          runtime: app.runtime,
          request: { requestId: "r", ip: "1", userAgent: null, origin: null },
          authorization: `Bearer ${token}`,
        }),
      );
    const owner = app.caller(org.owner.accessToken);
    await expect(as(org.agent.accessToken).echo({ orgId: org.id, text: "before" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await owner.orgs.members.updateRole({ orgId: org.id, userId: org.agent.id, role: "admin" });
    expect(await as(org.agent.accessToken).echo({ orgId: org.id, text: "promoted" })).toEqual({
      text: "promoted",
      role: "admin",
    });
    await owner.orgs.members.remove({ orgId: org.id, userId: org.agent.id });
    await expect(as(org.agent.accessToken).echo({ orgId: org.id, text: "removed" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("takes the org from an API key when orgId is left out; a user without it gets 400", async () => {
    const org = await app.seedOrg("Key Org");
    const key = await app.seedApiKey(org.id, { scopes: ["admin:org"] });
    const withoutOrg = {} as { orgId: string };
    expect(await app.caller(key.key).orgs.get(withoutOrg)).toMatchObject({
      org: { id: org.id, role: null },
    });
    await expect(app.caller(org.admin.accessToken).orgs.get(withoutOrg)).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
