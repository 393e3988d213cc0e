import { randomBytes } from "node:crypto";
import { and, asc, bots, botVersions, conversations, domainEvents, eq, sql, widgetSettings } from "@kyro/db";
import { type BotConfigPatch, parseBotConfig } from "../src/domains/shared/bot-config";
import type { TestApp } from "./harness";

/** Shared seeding for the conversations, knowledge, leads and widget-runtime tests. */

export const PAGE_ORIGIN = "https://shop.example";

export interface SeededBot {
  id: string;
  /** The published version, when seeded with `publish`. */
  versionId: string | null;
}

/**
 * A bot written straight to the database: its draft config, optionally a published version with a
 * different config (visitors must get the published one), and a widget allowlist of PAGE_ORIGIN.
 */
export async function seedBot(
  app: TestApp,
  orgId: string,
  options: {
    config?: BotConfigPatch;
    published?: BotConfigPatch;
    status?: "draft" | "active" | "paused";
  } = {},
): Promise<SeededBot> {
  const db = app.database.db;
  const [bot] = await db
    .insert(bots)
    .values({
      orgId,
      name: `Bot ${randomBytes(3).toString("hex")}`,
      status: options.status ?? "active",
      config: parseBotConfig(options.config ?? {}),
      identitySecret: randomBytes(32).toString("hex"),
    })
    .returning({ id: bots.id });
  if (!bot) throw new Error("seed bot failed");
  let versionId: string | null = null;
  if (options.published) {
    const [version] = await db
      .insert(botVersions)
      .values({
        orgId,
        botId: bot.id,
        version: 1,
        name: "v1",
        config: parseBotConfig(options.published),
      })
      .returning({ id: botVersions.id });
    versionId = version?.id ?? null;
    await db.update(bots).set({ currentVersionId: versionId }).where(eq(bots.id, bot.id));
  }
  await db
    .insert(widgetSettings)
    .values({ orgId, botId: bot.id, settings: { allowedDomains: [PAGE_ORIGIN] } });
  return { id: bot.id, versionId };
}

/** A conversation row as the widget would start it; `overrides` set status, counters, timestamps. */
export async function seedConversation(
  app: TestApp,
  orgId: string,
  botId: string,
  overrides: Partial<typeof conversations.$inferInsert> = {},
): Promise<string> {
  const [row] = await app.database.db
    .insert(conversations)
    .values({ orgId, botId, origin: PAGE_ORIGIN, ...overrides })
    .returning({ id: conversations.id });
  if (!row) throw new Error("seed conversation failed");
  return row.id;
}

/** Domain events of a type for an org, oldest first. */
export async function eventsOf(app: TestApp, orgId: string, type: string) {
  return app.database.db
    .select({ data: domainEvents.data })
    .from(domainEvents)
    .where(and(eq(domainEvents.orgId, orgId), eq(domainEvents.type, type)))
    .orderBy(asc(domainEvents.id));
}

/** Installs a trigger that makes inserting a knowledge entry with this question fail (atomicity tests). */
export async function failKnowledgeInsertsOf(app: TestApp, question: string): Promise<void> {
  const statements = [
    `CREATE OR REPLACE FUNCTION kyro_test_fail_knowledge() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.question = '${question.replaceAll("'", "''")}' THEN RAISE EXCEPTION 'injected failure'; END IF;
       RETURN NEW;
     END $$`,
    "DROP TRIGGER IF EXISTS kyro_test_fail_knowledge ON knowledge_entries",
    `CREATE TRIGGER kyro_test_fail_knowledge BEFORE INSERT ON knowledge_entries
     FOR EACH ROW EXECUTE FUNCTION kyro_test_fail_knowledge()`,
  ];
  for (const statement of statements) await app.database.db.execute(sql.raw(statement));
}
