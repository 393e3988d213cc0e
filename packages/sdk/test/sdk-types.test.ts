import { describe, expectTypeOf, it } from "vitest";
import type { KyroApiKeyClient, KyroClient, KyroInputs, KyroWidgetSession } from "../src/index";
import { createKyroClient, paginate } from "../src/index";
import type { IncompleteTokenOutputPath, TokenIssuingPath } from "../src/procedures";

/**
 * Type-level contracts, checked by `npm run typecheck` (tsc over this file); the packed SDK is checked
 * the same way from a consumer project in sdk-package.test.ts.
 */

describe("types", () => {
  it("finds the token-issuing procedures by their output, each returning a whole pair", () => {
    expectTypeOf<
      "auth.login" | "auth.verifyEmail" | "auth.refresh" | "auth.switchOrg"
    >().toExtend<TokenIssuingPath>();
    expectTypeOf<"auth.signup" | "auth.me">().not.toExtend<TokenIssuingPath>();
    expectTypeOf<IncompleteTokenOutputPath>().toBeNever();
  });

  it("lets an API key leave orgId out of org-scoped inputs but not a user session", () => {
    type KeyBotsList = Parameters<KyroApiKeyClient["bots"]["list"]["query"]>[0];
    type SessionBotsList = Parameters<KyroClient["bots"]["list"]["query"]>[0];
    expectTypeOf<{ limit: 10 }>().toExtend<KeyBotsList>();
    expectTypeOf<{ limit: 10 }>().not.toExtend<SessionBotsList>();
    expectTypeOf<{ orgId: string; limit: 10 }>().toExtend<KeyBotsList>();
    expectTypeOf<KyroInputs["bots"]["list"]["orgId"]>().toEqualTypeOf<string>();
    // Inputs without orgId are untouched.
    expectTypeOf<Parameters<KyroApiKeyClient["orgs"]["create"]["mutate"]>[0]>().toEqualTypeOf<
      Parameters<KyroClient["orgs"]["create"]["mutate"]>[0]
    >();
  });

  it("types paginate's items from the procedure", () => {
    // Nothing is fetched: paginate's generator runs only when iterated.
    const client: KyroClient = createKyroClient({ baseUrl: "http://127.0.0.1:9", accessToken: "a" });
    const bots = paginate(client.bots.list, { orgId: "x", limit: 2 });
    expectTypeOf(bots).toEqualTypeOf<
      AsyncGenerator<
        Awaited<ReturnType<KyroClient["bots"]["list"]["query"]>>["items"][number],
        void,
        undefined
      >
    >();
    // A numeric cursor (versions are numbered) is carried as it is.
    const versions = paginate(client.bots.versions, { orgId: "x", botId: "y" });
    expectTypeOf(versions).toEqualTypeOf<
      AsyncGenerator<
        Awaited<ReturnType<KyroClient["bots"]["versions"]["query"]>>["items"][number],
        void,
        undefined
      >
    >();
    const messages = paginate({} as KyroWidgetSession["messages"]);
    expectTypeOf(messages).toEqualTypeOf<
      AsyncGenerator<Awaited<ReturnType<KyroWidgetSession["messages"]>>["items"][number], void, undefined>
    >();
    // @ts-expect-error paginate sets the cursor itself
    paginate(client.bots.list, { orgId: "x", cursor: "c" });
    // @ts-expect-error a procedure without a cursor cannot be paged
    paginate(client.knowledge.entries.search, { orgId: "x", botId: "b", query: "q" });
  });
});
