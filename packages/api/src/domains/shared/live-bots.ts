import { and, bots, botVersions, type Executor, eq, isNull, ne, organizations } from "@kyro/db";
import { type BotConfig, parseBotConfig } from "./bot-config";

/** A bot visitors can talk to: not deleted, not paused. */
export interface LiveBot {
  id: string;
  orgId: string;
  name: string;
  status: "draft" | "active";
  /** The published version visitors get, or null before the first publish. */
  currentVersionId: string | null;
  /** The published version's config, or the draft config while nothing is published. */
  config: BotConfig;
  /** The bot's org is suspended by an operator: visitors are refused (403 `org_suspended`). */
  orgSuspended: boolean;
}

/**
 * Loads a live bot for the public widget, by id alone (visitors carry no org). Deleted, paused and
 * unknown bots all come back null, so callers answer them with one 404.
 */
export async function findLiveBot(
  db: Executor,
  botId: string,
): Promise<(LiveBot & { identitySecret: string }) | null> {
  const [row] = await db
    .select({
      id: bots.id,
      orgId: bots.orgId,
      name: bots.name,
      status: bots.status,
      currentVersionId: bots.currentVersionId,
      identitySecret: bots.identitySecret,
      draftConfig: bots.config,
      publishedConfig: botVersions.config,
      orgSuspendedAt: organizations.suspendedAt,
    })
    .from(bots)
    .innerJoin(organizations, eq(organizations.id, bots.orgId))
    .leftJoin(botVersions, and(eq(botVersions.id, bots.currentVersionId), eq(botVersions.botId, bots.id)))
    .where(and(eq(bots.id, botId), isNull(bots.deletedAt), ne(bots.status, "paused")))
    .limit(1);
  // The status test repeats the query's filter to narrow the type for TypeScript.
  if (!row || row.status === "paused") return null;
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    status: row.status,
    currentVersionId: row.currentVersionId,
    identitySecret: row.identitySecret,
    config: parseBotConfig(row.publishedConfig ?? row.draftConfig),
    orgSuspended: row.orgSuspendedAt !== null,
  };
}
