/**
 * Where the server or its document does not yet follow docs/api-conventions.md, as the contract checks
 * (response validation, webhook payload validation, the fuzz) find it. Each entry names the convention
 * it breaks; a mismatch it covers is tolerated, any other fails the test that caused it. The list only
 * shrinks: an entry stays only with a reason written beside it.
 */

export type ContractCheck =
  /** A response status the operation does not declare. */
  | "status"
  /** A body that does not match the declared schema or media type. */
  | "body"
  /** A declared header missing, or not matching its schema. */
  | "header"
  /** A known path answering an undeclared method with something other than 405 and `Allow`. */
  | "method"
  /** A webhook delivery not matching the document's `webhooks` section. */
  | "webhook"
  /** The fuzz: input valid by the document refused with 400. */
  | "accepts-valid"
  /** The fuzz: input invalid by the document not refused with 400. */
  | "refuses-invalid"
  /** Types generated from the document (openapi-typescript) that do not compile strictly. */
  | "types";

export interface ContractMismatch {
  check: ContractCheck;
  /** `GET /bots/{botId}`, or the event type for a webhook. */
  operation: string;
  status?: number;
  message: string;
}

export interface ContractGap {
  /** The section of docs/api-conventions.md the gap breaks. */
  convention: string;
  check: ContractCheck;
  /** The operations it covers (`GET /bots/{botId}`); `*` for all. */
  operations: "*" | readonly string[];
  /** Only for answers with these statuses. */
  statuses?: readonly number[];
  /** Only when the mismatch's text contains this. */
  contains?: string;
  why: string;
}

export const CONTRACT_GAPS: readonly ContractGap[] = [
  {
    convention: "Auth declared: the widget runtime declares its widgetSession scheme",
    check: "accepts-valid",
    operations: ["POST /widget/{botId}/sessions"],
    statuses: [401],
    why: "Permanent: `userHash` must be the HMAC of `userId` under the bot's identity secret, which only the bot's own server can compute; random pairs are rightly refused with 401.",
  },
  {
    convention: "Schemas say what the server does: formats, patterns and conditional rules are declared",
    check: "accepts-valid",
    operations: ["POST /providers", "PATCH /sources/{sourceId}", "POST /sources/{sourceId}/documents"],
    statuses: [400],
    why: "The AI routes (#10) check their URLs (https, SSRF rules) and PATCH's at-least-one-field rule without declaring them yet.",
  },
  {
    convention: "Schemas say what the server does: formats, patterns and conditional rules are declared",
    check: "accepts-valid",
    operations: [
      "POST /bots",
      "POST /bots/{botId}",
      "PATCH /bots/{botId}",
      "PATCH /bots/{botId}/widget",
      "PATCH /widget/defaults",
      "PATCH /providers/{providerId}",
      "POST /webhooks/endpoints",
      "PATCH /webhooks/endpoints/{endpointId}",
      "POST /webhooks/endpoints/{endpointId}/recover",
      "POST /bots/{botId}/widget",
      "POST /widget/defaults",
      "POST /integrations",
      "PATCH /integrations/{integrationId}",
      "POST /leads",
      "POST /widget/sessions/{conversationId}/lead",
      "PATCH /org",
    ],
    statuses: [400],
    why: "Left after the v1 merge (#9 continues): a bot needs a name or a template, IANA time zones, https-only logo URLs, host names, URL and email syntax (on the deprecated POST aliases too) and `since` not in the future are checked but not (or not fully) declared.",
  },
  {
    convention: "Schemas say what the server does: formats, patterns and conditional rules are declared",
    check: "accepts-valid",
    operations: ["POST /actions", "PATCH /actions/{actionId}"],
    statuses: [400],
    why: "Permanent in part: `paramSchema` must be a JSON Schema that ajv compiles with an object root (a meta-schema reference would say it, but fuzzers and generated clients do not resolve one), `{{placeholders}}` must name its properties, and URL templates follow the SSRF rules with placeholders after the host.",
  },
  {
    convention: "Schemas say what the server does",
    check: "accepts-valid",
    operations: ["POST /bots"],
    statuses: [400],
    contains: "Unknown template",
    why: "templateId is any string in the document; the server takes only the ids of GET /bot-templates (an enum, or a 404 for an unknown one, would say so).",
  },
  {
    convention: "Lists: the cursor is an opaque string from the previous page's nextCursor",
    check: "accepts-valid",
    operations: "*",
    statuses: [400],
    contains: "Invalid cursor",
    why: "Permanent: only the server mints cursors, so a made-up one is refused with 400, as it should be; a schema cannot say which strings the server minted.",
  },
  {
    convention: "Schemas say what the server does: conditional rules are declared",
    check: "accepts-valid",
    operations: "*",
    statuses: [400],
    contains: "`from` must not be after `to`",
    why: "Permanent: JSON Schema cannot compare two values of one input, so a from after to is valid by the document and refused by the server.",
  },
  {
    convention: "Auth declared: security: [] only where no credential is taken",
    check: "accepts-valid",
    operations: ["POST /hooks/{slug}"],
    statuses: [401],
    why: "Permanent: an inbound hook's credential is the sender's signature over the raw body (per profile); the fuzz sends unsigned bodies, so 401 is the right answer. inbound-http.test.ts covers signed deliveries.",
  },
  {
    convention: "Bodies are strict: a name not in the input is refused (400)",
    check: "refuses-invalid",
    operations: ["POST /hooks/{slug}"],
    statuses: [401],
    why: "Permanent: an inbound hook verifies the signature before it reads anything else, so an unsigned request answers 401 whatever else is wrong with it.",
  },
];

export function gapFor(mismatch: ContractMismatch): ContractGap | undefined {
  return CONTRACT_GAPS.find(
    (gap) =>
      gap.check === mismatch.check &&
      (gap.operations === "*" || gap.operations.includes(mismatch.operation)) &&
      (!gap.statuses || (mismatch.status !== undefined && gap.statuses.includes(mismatch.status))) &&
      (!gap.contains || mismatch.message.includes(gap.contains)),
  );
}

export const describeMismatch = (mismatch: ContractMismatch): string =>
  `${mismatch.operation}${mismatch.status ? ` → ${mismatch.status}` : ""} [${mismatch.check}] ${mismatch.message}`;
