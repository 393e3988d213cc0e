// Must FAIL to compile: sdk-package.test.ts asserts each error below is reported.
import { createKyroClient } from "@kyro/sdk";
import { createKyroWidgetClient } from "@kyro/sdk/widget";

const client = createKyroClient({ baseUrl: "http://127.0.0.1:9" });

// A number where the router's input schema wants a string: reported at the property...
await client.orgs.create.mutate({ name: 42 });

// ...and, for an input built beforehand, named in the message.
const input = { name: 42 };
await client.orgs.create.mutate(input);

// An API key and a refresh token are alternative credentials, never mixed.
createKyroClient({ baseUrl: "http://127.0.0.1:9", apiKey: "kyro_sk_x", refreshToken: "r" });

// A user session may belong to many orgs: org-scoped calls must name one.
await client.bots.list.query({ limit: 10 });

// A visitor's session reaches the widget runtime only.
const visitor = await createKyroWidgetClient({ baseUrl: "http://127.0.0.1:9", botId: "b" }).openSession();
await visitor.bots.list.query({ orgId: "o" });
