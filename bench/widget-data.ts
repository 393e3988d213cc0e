/**
 * Deterministic data for the widget benchmark: 10,000 FAQ-like entries built from a vocabulary (so
 * words recur across entries the way real FAQs share terms) and visitor messages of which about half
 * rephrase an entry's question and half match nothing well enough (fallbacks).
 */

export const SESSIONS = 200;
export const ENTRIES = 10_000;

const VERBS = [
  "reset",
  "change",
  "cancel",
  "update",
  "delete",
  "export",
  "import",
  "renew",
  "upgrade",
  "downgrade",
  "transfer",
  "verify",
  "activate",
  "deactivate",
  "configure",
  "connect",
  "disconnect",
  "share",
  "download",
  "upload",
  "restore",
  "archive",
  "merge",
  "split",
  "schedule",
  "pause",
  "resume",
  "track",
  "return",
  "refund",
];
const NOUNS = [
  "password",
  "account",
  "invoice",
  "subscription",
  "order",
  "shipment",
  "profile",
  "email",
  "phone",
  "address",
  "payment",
  "card",
  "plan",
  "team",
  "workspace",
  "project",
  "report",
  "dashboard",
  "integration",
  "webhook",
  "token",
  "device",
  "license",
  "coupon",
  "voucher",
  "parcel",
  "ticket",
  "booking",
  "reservation",
  "membership",
  "calendar",
  "contact",
  "document",
  "folder",
  "backup",
  "domain",
  "certificate",
  "channel",
  "widget",
  "survey",
  "campaign",
  "newsletter",
  "product",
  "catalogue",
  "warehouse",
  "supplier",
  "receipt",
  "refund",
  "balance",
  "wallet",
];
const QUALIFIERS = [
  "online",
  "abroad",
  "today",
  "quickly",
  "securely",
  "automatically",
  "manually",
  "monthly",
  "yearly",
  "for my company",
  "on mobile",
  "on desktop",
  "without fees",
  "after expiry",
  "before delivery",
  "in bulk",
  "for a colleague",
  "from the app",
  "by phone",
  "via the API",
];

/** A small deterministic generator (mulberry32), so every run benchmarks the same data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(items: readonly T[], next: () => number): T => items[Math.floor(next() * items.length)] as T;

export function knowledgeSet(): { question: string; answer: string; tags: string[] }[] {
  const next = random(42);
  return Array.from({ length: ENTRIES }, (_, index) => {
    const verb = pick(VERBS, next);
    const noun = pick(NOUNS, next);
    const qualifier = pick(QUALIFIERS, next);
    return {
      question: `How do I ${verb} my ${noun} ${qualifier}?`,
      answer: `To ${verb} your ${noun} ${qualifier}, open Settings, choose ${noun} and follow step ${(index % 9) + 1}. Contact support if it fails.`,
      tags: [noun, verb],
    };
  });
}

const OFF_TOPIC = [
  "what is the weather like in Lisbon tomorrow",
  "tell me a joke about penguins",
  "who won the football match yesterday",
  "recommend a good book about volcanoes",
  "what's the capital of Mongolia",
  "can you sing a song for me",
];

export function visitorMessages(count = 500): string[] {
  const next = random(7);
  return Array.from({ length: count }, (_, index) =>
    index % 2 === 0
      ? `hi, can you tell me how to ${pick(VERBS, next)} the ${pick(NOUNS, next)} ${pick(QUALIFIERS, next)}`
      : pick(OFF_TOPIC, next),
  );
}
