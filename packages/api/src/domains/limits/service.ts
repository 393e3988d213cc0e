import { and, asc, botLimits, bots, type Database, eq, isNull } from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import type { Principal } from "../../core/principal";
import { mergeLimits } from "./effective";
import { dailySpec, type LimitSpec, minuteSpec, utcDay } from "./request-limits";
import type { LimitsReport } from "./schemas";
import { BOT_LIMIT_FIELDS } from "./settings";

/** Bots listed in a report; an org with more shows the oldest this many. */
export const REPORT_MAX_BOTS = 200;

/** The org's live bots, or with `onlyBot` (a bot-restricted key's) that bot alone. */
export function orgBotsQuery(db: Database, orgId: string, onlyBot: string | null) {
  return db
    .select({
      botId: bots.id,
      name: bots.name,
      botRequestsPerMinute: botLimits.botRequestsPerMinute,
      botMessagesPerDay: botLimits.botMessagesPerDay,
    })
    .from(bots)
    .leftJoin(botLimits, eq(botLimits.botId, bots.id))
    .where(
      and(eq(bots.orgId, orgId), isNull(bots.deletedAt), onlyBot === null ? undefined : eq(bots.id, onlyBot)),
    )
    .orderBy(asc(bots.id))
    .limit(REPORT_MAX_BOTS);
}

/**
 * Limits and current use of an org, the caller and the org's bots: the counters are read (not
 * counted) from the same keys the limit checks use. A bot-restricted key sees its bot alone, but the
 * org's limits and use too: they are what will refuse its calls.
 */
export function limitsReport(deps: AppDeps, orgId: string, caller: Principal): Promise<LimitsReport>;
/** Without a caller (the operator's view): the org and its bots only. */
export function limitsReport(
  deps: AppDeps,
  orgId: string,
  caller: null,
): Promise<Omit<LimitsReport, "caller">>;
export async function limitsReport(
  deps: AppDeps,
  orgId: string,
  caller: Principal | null,
): Promise<Omit<LimitsReport, "caller"> | LimitsReport> {
  const limits = deps.requestLimits;
  const org = await limits.cache.org(orgId);
  const today = utcDay();
  const onlyBot = caller?.kind === "apiKey" ? caller.botId : null;
  const botRows = await orgBotsQuery(deps.db, orgId, onlyBot);
  const specs: LimitSpec[] = [
    minuteSpec("org", "org", orgId, org.orgRequestsPerMinute),
    dailySpec("requestsPerDay", orgId, null, org.requestsPerDay, today),
    dailySpec("messagesPerDay", orgId, null, org.messagesPerDay, today),
  ];
  if (caller) {
    specs.push(
      caller.kind === "apiKey"
        ? minuteSpec("key", "apiKey", caller.keyId, org.keyRequestsPerMinute)
        : minuteSpec("user", "user", caller.userId, org.userRequestsPerMinute),
    );
  }
  const botLimitsOf = botRows.map((row) =>
    mergeLimits(
      { botRequestsPerMinute: org.botRequestsPerMinute, botMessagesPerDay: org.botMessagesPerDay },
      row,
      BOT_LIMIT_FIELDS,
    ),
  );
  botRows.forEach((row, index) => {
    const values = botLimitsOf[index] as (typeof botLimitsOf)[number];
    specs.push(
      minuteSpec("bot", "bot", `${orgId}:${row.botId}`, values.botRequestsPerMinute),
      dailySpec("botMessagesPerDay", orgId, row.botId, values.botMessagesPerDay, today),
    );
  });
  const readings = await limits.counters.read(specs.map((spec) => spec.hit.key));
  const at = Date.now();
  const use = (index: number) => {
    const spec = specs[index] as LimitSpec;
    const reading = readings[index];
    const used = Math.max(0, reading?.count ?? 0);
    const resetMs = reading ? reading.msUntilReset : spec.hit.ttlSeconds * 1000;
    return {
      used,
      limit: spec.limit,
      remaining: Math.max(0, spec.limit - used),
      resetAt: new Date(at + resetMs),
    };
  };
  const botsStart = caller ? 4 : 3;
  const report: Omit<LimitsReport, "caller"> = {
    orgId,
    day: today.day,
    requestLimitsEnabled: limits.settings.requestLimitsEnabled,
    limits: org,
    usage: { orgRequestsThisMinute: use(0), requestsToday: use(1), messagesToday: use(2) },
    bots: botRows.map((row, index) => ({
      botId: row.botId,
      name: row.name,
      limits: botLimitsOf[index] as (typeof botLimitsOf)[number],
      requestsThisMinute: use(botsStart + index * 2),
      messagesToday: use(botsStart + index * 2 + 1),
    })),
  };
  if (!caller) return report;
  return {
    ...report,
    caller: {
      scope: caller.kind,
      id: caller.kind === "apiKey" ? caller.keyId : caller.userId,
      requestsThisMinute: use(3),
    },
  };
}
