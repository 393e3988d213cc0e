import { and, bots, type Executor, eq, isNull } from "@kyro/db";
import { notFound } from "../../core/errors";
import { assertBotAccess } from "../../core/org-scope";
import type { Principal } from "../../core/principal";

/** The published version id of a bot right now (feedback records which version it judged). */
export async function currentVersionOf(db: Executor, orgId: string, botId: string): Promise<string | null> {
  const [row] = await db
    .select({ versionId: bots.currentVersionId })
    .from(bots)
    .where(and(eq(bots.id, botId), eq(bots.orgId, orgId)))
    .limit(1);
  return row?.versionId ?? null;
}

/**
 * A live bot of the org that the caller may touch: another org's bot, a deleted one, or (for a
 * bot-restricted key) any other bot answers NOT_FOUND alike.
 */
export async function assertOrgBot(
  db: Executor,
  principal: Principal,
  orgId: string,
  botId: string,
): Promise<void> {
  assertBotAccess(principal, botId);
  const [row] = await db
    .select({ id: bots.id })
    .from(bots)
    .where(and(eq(bots.id, botId), eq(bots.orgId, orgId), isNull(bots.deletedAt)))
    .limit(1);
  if (!row) throw notFound("Bot");
}

/** The bot a restricted key is confined to, or null for users and unrestricted keys. */
export function restrictedBotOf(principal: Principal): string | null {
  return principal.kind === "apiKey" ? principal.botId : null;
}
