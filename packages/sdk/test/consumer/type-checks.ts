// Compiled (never run) by sdk-package.test.ts with skipLibCheck false: what must type-check.
import {
  createKyroClient,
  type KyroApiKeyClient,
  type KyroApiKeyInputs,
  type KyroClient,
  type KyroClientOptions,
  type KyroInputs,
  paginate,
} from "@kyro/sdk";
import { createKyroWidgetClient, type KyroWidgetSession } from "@kyro/sdk/widget";

export async function apiKeyOmitsOrgId(): Promise<string[]> {
  // The API key client: org-scoped inputs may leave orgId out (the key's org)...
  const kyro: KyroApiKeyClient = createKyroClient({ baseUrl: "http://127.0.0.1:9", apiKey: "kyro_sk_x" });
  const { org } = await kyro.orgs.get.query({});
  const created = await kyro.bots.create.mutate({ name: "Bot" });
  const listInput: KyroApiKeyInputs["bots"]["list"] = { limit: 10 };
  const names: string[] = [org.name, created.bot.name];
  for await (const bot of paginate(kyro.bots.list, listInput)) names.push(bot.name);
  // ...or name it.
  await kyro.bots.get.query({ orgId: org.id, botId: created.bot.id });
  return names;
}

export async function sessionPassesOrgId(orgId: string): Promise<number> {
  const kyro: KyroClient = createKyroClient({ baseUrl: "http://127.0.0.1:9", accessToken: "a" });
  const input: KyroInputs["bots"]["list"] = { orgId };
  const page = await kyro.bots.list.query(input);
  return page.items.length;
}

export function eitherCredential(options: KyroClientOptions): KyroClient | KyroApiKeyClient {
  return createKyroClient(options);
}

export async function visitor(): Promise<string> {
  const widget = createKyroWidgetClient({ baseUrl: "http://127.0.0.1:9", botId: "b" });
  const session: KyroWidgetSession = await widget.openSession({ userId: "u", userHash: "h" });
  const { reply } = await session.send("Hello");
  const expiresAt: string = session.info.expiresAt;
  // A conversation people own gets no bot reply.
  if (reply === null) return `no reply ${expiresAt}`;
  await session.feedback({ messageId: reply.id, helpful: true });
  await session.lead({ email: "v@example.test", customFields: { plan: "pro" } });
  const { notice }: { notice: string } = await session.handoff();
  return `${reply.createdAt} ${expiresAt} ${notice}`;
}
