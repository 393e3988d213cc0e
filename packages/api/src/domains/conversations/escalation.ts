import type { BotConfig } from "../shared/bot-config";

export type EscalationReason = "keyword" | "fallbacks";

export interface Escalation {
  reason: EscalationReason;
  keyword: string | null;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Compiled matchers per keyword list: configs are few and long-lived, messages many. */
const matchers = new Map<string, { keyword: string; pattern: RegExp }[]>();
const MATCHER_CACHE_MAX = 1_000;

function matchersFor(keywords: readonly string[]) {
  const cacheKey = JSON.stringify(keywords);
  let compiled = matchers.get(cacheKey);
  if (!compiled) {
    // Whole words or phrases only: "agent" must not fire on "agents" or "reagent". Inner whitespace
    // matches any run of whitespace, so "talk to  a human" still counts.
    compiled = keywords.map((keyword) => ({
      keyword,
      pattern: new RegExp(
        `(?<![\\p{L}\\p{N}_])${keyword.trim().split(/\s+/).map(escapeRegExp).join("\\s+")}(?![\\p{L}\\p{N}_])`,
        "iu",
      ),
    }));
    if (matchers.size >= MATCHER_CACHE_MAX) matchers.clear();
    matchers.set(cacheKey, compiled);
  }
  return compiled;
}

/** The first configured escalation keyword the visitor's message contains (case-insensitive), if any. */
export function matchKeyword(keywords: readonly string[], content: string): string | null {
  if (keywords.length === 0) return null;
  return matchersFor(keywords).find(({ pattern }) => pattern.test(content))?.keyword ?? null;
}

export type ReplyKind = "answer" | "fallback" | "out_of_hours";

/**
 * Fallbacks in a row after this reply: an answer breaks the run, an out-of-hours reply leaves it as it
 * was (the bot did not fail to answer — it was not asked to).
 */
export function nextFallbackRun(previous: number, kind: ReplyKind): number {
  if (kind === "fallback") return previous + 1;
  if (kind === "answer") return 0;
  return previous;
}

/**
 * Whether this exchange hands the conversation to a human: a keyword in the visitor's message, or the
 * configured number of consecutive fallbacks (0 disables that rule). An already escalated conversation
 * is not escalated again.
 */
export function decideEscalation(input: {
  config: BotConfig;
  alreadyEscalated: boolean;
  keyword: string | null;
  fallbackRun: number;
}): Escalation | null {
  if (input.alreadyEscalated) return null;
  if (input.keyword) return { reason: "keyword", keyword: input.keyword };
  const threshold = input.config.escalation.fallbacksBeforeHandoff;
  if (threshold > 0 && input.fallbackRun >= threshold) return { reason: "fallbacks", keyword: null };
  return null;
}
