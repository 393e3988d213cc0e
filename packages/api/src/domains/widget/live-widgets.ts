import type { Executor } from "@kyro/db";
import { type Cache, coversOrg, createCache, orgScopedKey } from "../../core/cache";
import type { CacheInvalidation } from "../../core/cache-invalidation";
import { findLiveBot, type LiveBot } from "../shared/live-bots";
import type { EffectiveWidgetSettings } from "./schemas";
import { effectiveWidgetSettings } from "./settings";

declare module "../../core/deps" {
  interface AppDeps {
    /** Live bots and their widget settings for the public widget runtime (cached, dropped on change). */
    liveWidgets: LiveWidgetCache;
  }
}

/** What every widget runtime call checks: the bot is live, and the request's origin passes its settings. */
export interface LiveWidget {
  bot: LiveBot;
  settings: EffectiveWidgetSettings;
}

export type LiveWidgetCache = Cache<LiveWidget | null>;

/**
 * Short, because the allowlist is a security decision: when Redis is down and an invalidation cannot
 * reach another process, that process applies a removed domain within this time.
 */
export const LIVE_WIDGET_TTL_MS = 10_000;

/** Keyed by org and bot; a change drops the org's entries (`changingLiveWidgets`). */
export function createLiveWidgetCache(options: {
  invalidation?: CacheInvalidation;
  now?: () => number;
}): LiveWidgetCache {
  return createCache({
    ...options,
    name: "live-widgets",
    ttlMs: LIVE_WIDGET_TTL_MS,
    maxEntries: 20_000,
    covers: coversOrg,
  });
}

/** The org's live bot and its effective widget settings; null for a deleted, paused, unknown or foreign bot. */
async function loadLiveWidget(db: Executor, orgId: string, botId: string): Promise<LiveWidget | null> {
  const [bot, { effective }] = await Promise.all([
    findLiveBot(db, botId),
    effectiveWidgetSettings(db, orgId, botId),
  ]);
  if (!bot || bot.orgId !== orgId) return null;
  // The identity secret stays out of the cache; one literal of LiveBot's shape.
  const liveBot: LiveBot = {
    id: bot.id,
    orgId: bot.orgId,
    name: bot.name,
    status: bot.status,
    currentVersionId: bot.currentVersionId,
    config: bot.config,
    orgSuspended: bot.orgSuspended,
  };
  return { bot: liveBot, settings: effective };
}

/**
 * Every visitor message needs the bot and its widget settings; they change rarely, so they come from
 * the cache, which each change to a bot or to widget settings drops (`changingLiveWidgets`).
 */
export function liveWidget(
  deps: { db: Executor; liveWidgets: LiveWidgetCache },
  orgId: string,
  botId: string,
): Promise<LiveWidget | null> {
  return deps.liveWidgets.get(orgScopedKey(orgId, botId), () => loadLiveWidget(deps.db, orgId, botId));
}

/**
 * Runs a change to the org's bots or widget settings, then drops the org's cached live widgets here and
 * on every other process. After the change, not before: a visitor call in between would cache the old state.
 */
export async function changingLiveWidgets<T>(
  deps: { liveWidgets: LiveWidgetCache },
  orgId: string,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } finally {
    await deps.liveWidgets.invalidate(orgId);
  }
}
