import type { Database, QuotaName } from "@kyro/db";
import {
  type CounterHit,
  type Counters,
  createCounters,
  createLimitMetrics,
  type LimitMetrics,
  type Logger,
  type Redis,
} from "@kyro/platform";
import type { CacheInvalidation } from "../../core/cache-invalidation";
import type { RequestInfo } from "../../core/request-info";
import type {
  LimitOutcome,
  LimitScope,
  PolicyState,
  RequestLimits,
  RequestSubject,
} from "../../core/request-limits";
import { createQuotaAlerts } from "./alerts";
import { createLimitsCache, type LimitsCache } from "./effective";
import { LimitError } from "./limit-responses";
import type { LimitSettings } from "./settings";
import { createUsageRollup, type UsageRollup } from "./usage";

export type LimitDimension = "ip" | "key" | "user" | "org" | "bot" | "conversation";

export interface LimitSpec {
  hit: CounterHit;
  policy: string;
  scope: LimitScope;
  dimension: LimitDimension;
  limit: number;
  windowSeconds: number;
  /** Set for daily quotas: warnings at 80 % and 100 % and QUOTA_EXCEEDED when over. */
  quota?: { name: QuotaName; orgId: string; botId: string | null; day: string };
}

declare module "../../core/request-limits" {
  interface RequestLimits {
    readonly settings: LimitSettings;
    readonly cache: LimitsCache;
    readonly counters: Counters;
    readonly usage: UsageRollup;
    /** Rate-limit and quota refusals by dimension, for /metrics. */
    readonly metrics: LimitMetrics;
    /** Counts all of `specs` at once, or nothing when any is over (then throws 429). */
    consume(specs: readonly LimitSpec[], request: RequestInfo): Promise<LimitOutcome>;
  }
}

const NOTHING_TO_CHECK: Promise<void> = Promise.resolve();
const MINUTE = 60;
const DAY_SECONDS = 86_400;
const DAY_MS = DAY_SECONDS * 1000;
let currentDay = { start: Number.NEGATIVE_INFINITY, day: "" };

/** The UTC day (YYYY-MM-DD) and the seconds left in it. */
export function utcDay(at = Date.now()): { day: string; secondsLeft: number } {
  // Formatting the date shows up in profiles at a few thousand requests a second: once a day will do.
  if (at < currentDay.start || at >= currentDay.start + DAY_MS) {
    const start = at - (at % DAY_MS);
    currentDay = { start, day: new Date(start).toISOString().slice(0, 10) };
  }
  return {
    day: currentDay.day,
    secondsLeft: Math.max(1, Math.ceil((currentDay.start + DAY_MS - at) / 1000)),
  };
}

/**
 * A per-minute limit over clock-aligned minutes: the minute is part of the key, so the count starts
 * again on the minute and the reset time is known without asking Redis.
 */
export function minuteSpec(
  dimension: LimitDimension,
  scope: LimitScope,
  id: string,
  limit: number,
  at = Date.now(),
): LimitSpec {
  const minute = Math.floor(at / 60_000);
  return {
    hit: {
      key: `${dimension}:${id}:${minute}`,
      ttlSeconds: Math.max(1, Math.ceil(((minute + 1) * 60_000 - at) / 1000)),
    },
    policy: dimension,
    scope,
    dimension,
    limit,
    windowSeconds: MINUTE,
  };
}

export function dailySpec(
  quota: QuotaName,
  orgId: string,
  botId: string | null,
  limit: number,
  today: { day: string; secondsLeft: number },
): LimitSpec {
  const policy =
    quota === "requestsPerDay"
      ? "org-requests-daily"
      : quota === "messagesPerDay"
        ? "org-messages-daily"
        : "bot-messages-daily";
  return {
    // The day is part of the key, so the count starts again at 00:00 UTC whenever it was first used.
    hit: { key: `${policy}:${botId ?? orgId}:${today.day}`, ttlSeconds: today.secondsLeft },
    policy,
    scope: botId ? "bot" : "org",
    dimension: botId ? "bot" : "org",
    limit,
    windowSeconds: DAY_SECONDS,
    quota: { name: quota, orgId, botId, day: today.day },
  };
}

function byRoom(a: PolicyState, b: PolicyState): number {
  return a.remaining / a.limit - b.remaining / b.limit;
}

export function createRequestLimits(options: {
  db: Database;
  redis?: Redis;
  logger: Logger;
  keyPrefix: string;
  settings: LimitSettings;
  invalidation?: CacheInvalidation;
}): RequestLimits {
  const { settings, logger } = options;
  const counters = createCounters({ keyPrefix: `${options.keyPrefix}:limits` }, options.redis);
  const cache = createLimitsCache({
    db: options.db,
    defaults: settings.defaults,
    invalidation: options.invalidation,
  });
  const usage = createUsageRollup({ db: options.db, logger });
  const alerts = createQuotaAlerts({ db: options.db, logger });
  const metrics = createLimitMetrics();

  async function consume(specs: readonly LimitSpec[], request: RequestInfo): Promise<LimitOutcome> {
    const hits = specs.map((spec) => spec.hit);
    const readings = await counters.add(hits);
    const policies: PolicyState[] = [];
    const refused: { spec: LimitSpec; state: PolicyState; count: number }[] = [];
    const quotaUses: { spec: LimitSpec; count: number }[] = [];
    for (let index = 0; index < specs.length; index++) {
      const spec = specs[index] as LimitSpec;
      const reading = readings[index] as (typeof readings)[number];
      const state: PolicyState = {
        policy: spec.policy,
        scope: spec.scope,
        limit: spec.limit,
        remaining: Math.max(0, spec.limit - reading.count),
        resetSeconds: Math.max(1, Math.ceil(reading.msUntilReset / 1000)),
        windowSeconds: spec.windowSeconds,
      };
      policies.push(state);
      if (reading.count > spec.limit) refused.push({ spec, state, count: reading.count });
      if (spec.quota && reading.count >= Math.ceil(spec.limit * 0.8)) {
        quotaUses.push({ spec, count: reading.count });
      }
    }
    // A refused call is not counted, so only the quotas that refused it warn (at 100 %).
    const reached = refused.length === 0 ? quotaUses : refused.filter(({ spec }) => spec.quota);
    for (const { spec, count } of reached) {
      const quota = spec.quota as NonNullable<LimitSpec["quota"]>;
      await alerts.check(
        {
          orgId: quota.orgId,
          botId: quota.botId,
          quota: quota.name,
          day: quota.day,
          limit: spec.limit,
          used: count,
        },
        request,
      );
    }
    if (refused.length === 0) {
      const governing = policies.reduce((tightest, state) =>
        byRoom(state, tightest) < 0 ? state : tightest,
      );
      return { policies, governing };
    }
    // A refused call counts nothing, so a client that keeps retrying does not push its window further.
    await counters.subtract(hits);
    for (const state of policies) {
      if (!refused.some((entry) => entry.state === state)) state.remaining += 1;
    }
    for (const { spec } of refused) {
      if (spec.quota) metrics.quotaExceeded(spec.quota.name);
      else metrics.rateLimited(spec.dimension);
    }
    // The one that frees up last decides when retrying can help.
    const last = refused.reduce((a, b) => (b.state.resetSeconds > a.state.resetSeconds ? b : a));
    throw new LimitError({ policies, governing: last.state }, last.spec.quota !== undefined);
  }

  /** The limits a request is counted against, and where its use is recorded (nowhere without an org). */
  async function specsFor(
    subject: RequestSubject,
    request: RequestInfo,
  ): Promise<{ specs: LimitSpec[]; usage: { orgId: string; botId: string | null; day: string } | null }> {
    const { principal } = subject;
    if (!principal) {
      return { specs: [minuteSpec("ip", "ip", request.ip, settings.ipRequestsPerMinute)], usage: null };
    }
    const orgId = subject.orgId ?? (principal.kind === "apiKey" ? principal.orgId : undefined);
    const org = orgId ? await cache.org(orgId) : settings.defaults;
    const specs = [
      principal.kind === "apiKey"
        ? minuteSpec("key", "apiKey", principal.keyId, org.keyRequestsPerMinute)
        : minuteSpec("user", "user", principal.userId, org.userRequestsPerMinute),
    ];
    if (!orgId) return { specs, usage: null };
    const today = utcDay();
    specs.push(
      minuteSpec("org", "org", orgId, org.orgRequestsPerMinute),
      dailySpec("requestsPerDay", orgId, null, org.requestsPerDay, today),
    );
    const bot = subject.botId ? await cache.bot(orgId, subject.botId) : null;
    if (bot) specs.push(minuteSpec("bot", "bot", `${orgId}:${subject.botId}`, bot.botRequestsPerMinute));
    return { specs, usage: { orgId, botId: bot ? (subject.botId ?? null) : null, day: today.day } };
  }

  async function countRequest(
    trace: { limits?: LimitOutcome },
    request: RequestInfo,
    subject: RequestSubject,
  ): Promise<void> {
    const { specs, usage: target } = await specsFor(subject, request);
    try {
      trace.limits = await consume(specs, request);
    } catch (error) {
      if (error instanceof LimitError) trace.limits = error.outcome;
      throw error;
    }
    if (!target) return;
    const { principal } = subject;
    const actor = !principal
      ? null
      : principal.kind === "apiKey"
        ? { kind: "apiKey" as const, id: principal.keyId }
        : { kind: "user" as const, id: principal.userId };
    usage.add(target.orgId, target.botId, target.day, { requests: 1 }, actor);
  }

  return {
    settings,
    cache,
    counters,
    usage,
    metrics,
    consume,
    checkRequest(trace, request, subject) {
      // With limits off a request costs nothing here: no async call of its own, one settled promise.
      if (!settings.requestLimitsEnabled) return NOTHING_TO_CHECK;
      return countRequest(trace, request, subject);
    },
    async dispose() {
      await usage.dispose();
    },
  };
}
