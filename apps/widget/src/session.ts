import {
  createKyroWidgetClient,
  type KyroWidgetMessage,
  type KyroWidgetSession,
  type KyroWidgetSessionInfo,
} from "@kyro/sdk/widget";
import type { WidgetConfig } from "./config";

/** What the widget keeps in `sessionStorage` (never a cookie): the open session and who it was for. */
interface Stored {
  info: KyroWidgetSessionInfo;
  userId: string | null;
}

/** A session within this much of its expiry is not resumed: the next call could already be refused. */
const EXPIRY_MARGIN_MS = 60_000;

/** Storage can be absent or throw (sandboxed frames, privacy modes): the widget then works without it. */
function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export interface Opened {
  session: KyroWidgetSession;
  /** The conversation so far when an earlier session was resumed; null for a new session. */
  history: KyroWidgetMessage[] | null;
}

/**
 * Opens the visitor's session, or resumes the one this tab opened before (so a page load keeps the
 * conversation), as long as it is unexpired, for the same identified visitor, and still accepted.
 */
export function createSessions(config: WidgetConfig) {
  const client = createKyroWidgetClient({ baseUrl: config.baseUrl, botId: config.botId });
  const key = `kyro-widget:${config.botId}`;
  const userId = config.identity?.userId ?? null;

  function stored(): Stored | null {
    try {
      const value = JSON.parse(storage()?.getItem(key) ?? "null") as Stored | null;
      if (!value || value.userId !== userId) return null;
      return Date.parse(value.info.expiresAt) - Date.now() > EXPIRY_MARGIN_MS ? value : null;
    } catch {
      return null;
    }
  }

  async function fresh(): Promise<Opened> {
    const session = await client.openSession(config.identity);
    try {
      storage()?.setItem(key, JSON.stringify({ info: session.info, userId } satisfies Stored));
    } catch {
      // Full or refused storage: the session still works, it just won't survive a page load.
    }
    return { session, history: null };
  }

  async function open(): Promise<Opened> {
    const previous = stored();
    if (previous) {
      const session = client.resumeSession(previous.info);
      try {
        const page = await session.messages({ limit: 100 });
        return { session, history: page.items };
      } catch {
        // Cut off since (origin removed, bot paused, token refused): start over.
      }
    }
    return fresh();
  }

  /** The appearance the tab's earlier session brought, so the launcher shows it before any call. */
  const knownAppearance = () => stored()?.info.settings ?? null;

  return { open, fresh, knownAppearance };
}
