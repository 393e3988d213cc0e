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
    operations: [
      "POST /providers",
      "PATCH /providers/{providerId}",
      "POST /integrations",
      "PATCH /integrations/{integrationId}",
      "POST /webhooks/endpoints",
      "PATCH /webhooks/endpoints/{endpointId}",
      "POST /sources",
    ],
    statuses: [400],
    contains: "(url_not_allowed)",
    why: "Permanent: the document declares these URLs' syntax (`format: uri`, http(s), a host, no user info); the outbound (SSRF) rules beyond it judge the host itself (local names, private, loopback and metadata addresses, plain http only to the deployment's allowed ranges), which a schema cannot know.",
  },
  {
    convention: "Schemas say what the server does: formats, patterns and conditional rules are declared",
    check: "accepts-valid",
    operations: ["POST /bots", "POST /bots/{botId}", "PATCH /bots/{botId}"],
    statuses: [400],
    contains: "Unknown IANA time zone",
    why: "Permanent by choice: a time zone is any name or alias the runtime's ICU tz database knows, in any case; an enum would pin the document to one Node build and refuse aliases the server takes.",
  },
  {
    convention: "Schemas say what the server does: formats, patterns and conditional rules are declared",
    check: "accepts-valid",
    operations: [
      "PATCH /widget/defaults",
      "POST /widget/defaults",
      "PATCH /bots/{botId}/widget",
      "POST /bots/{botId}/widget",
    ],
    statuses: [400],
    contains: "allowedDomains",
    why: "Permanent: an allowedDomains pattern's host is read by WHATWG URL rules (IDNA for non-ASCII names) and refused when the Public Suffix List names it; neither is a regular expression, and an ASCII-only pattern would refuse the international names the server takes.",
  },
  {
    convention: "Schemas say what the server does: conditional rules are declared",
    check: "accepts-valid",
    operations: ["POST /webhooks/endpoints/{endpointId}/recover"],
    statuses: [400],
    // The path and the service's own message (`since: at most 14 days ago`, `since: must not be in the future`).
    contains: "since: since:",
    why: "Permanent: `since` must lie within the last 14 days by the server's clock (the field's description says so), and JSON Schema has no notion of now.",
  },
  {
    convention: "Schemas say what the server does",
    check: "accepts-valid",
    operations: ["POST /inbound-endpoints/{endpointId}/rotate-secret"],
    statuses: [400],
    contains: "Standard Webhooks secret",
    why: "Permanent: a `standard-webhooks` endpoint takes only `whsec_` secrets, other profiles any token; the profile is stored on the endpoint, not sent with the request, so the body's schema cannot depend on it (the field's description says so).",
  },
  {
    convention: "Schemas say what the server does: formats, patterns and conditional rules are declared",
    check: "accepts-valid",
    operations: ["POST /actions", "PATCH /actions/{actionId}"],
    statuses: [400],
    why: "Permanent in part: `paramSchema` must be a JSON Schema that ajv compiles with an object root (a meta-schema reference would say it, but fuzzers and generated clients do not resolve one), `{{placeholders}}` must name its properties, and URL templates follow the SSRF rules with placeholders after the host.",
  },
  {
    convention: "Schemas say what the server does: formats, patterns and conditional rules are declared",
    check: "accepts-valid",
    operations: ["PATCH /org"],
    statuses: [400],
    contains: "Not an IANA time zone",
    why: "Permanent by choice, as for bots' time zones: any name or alias the runtime's ICU tz database knows.",
  },
  {
    convention: "Schemas say what the server does: conditional rules are declared",
    check: "accepts-valid",
    operations: ["GET /analytics/overview", "GET /analytics/bots/{botId}"],
    statuses: [400],
    contains: "`to` is before `from`",
    why: "Permanent: JSON Schema cannot compare two values of one input (the range's description says so).",
  },
  {
    convention: "Schemas say what the server does: conditional rules are declared",
    check: "accepts-valid",
    operations: ["GET /analytics/overview", "GET /analytics/bots/{botId}"],
    statuses: [400],
    contains: "A range covers at most",
    why: "Permanent: the span between `from` and `to` (at most 366 days, in the description) compares two values.",
  },
  {
    convention: "Schemas say what the server does: conditional rules are declared",
    check: "accepts-valid",
    operations: ["GET /analytics/overview", "GET /analytics/bots/{botId}"],
    statuses: [400],
    contains: "A custom range needs `from`",
    why: "Permanent: `from` and `to` are query parameters, and OpenAPI 3.1 declares each parameter on its own; no schema spans two of them to say `to` needs `from` (the parameter's description says so).",
  },
  {
    convention: "Schemas say what the server does: conditional rules are declared",
    check: "accepts-valid",
    operations: [
      "GET /audit-events/stats",
      "GET /usage/breakdown",
      "GET /usage/breakdown/export",
      "GET /usage/top",
    ],
    statuses: [400],
    contains: "The range is at most 366 days",
    why: "Permanent: the span between `from` and `to` compares two values of one input.",
  },
  {
    convention: "Auth declared: security: [] only where no credential is taken",
    check: "accepts-valid",
    operations: ["GET /exports/{exportId}/download"],
    statuses: [403],
    why: "Permanent: the signed link is the credential (an HMAC over the export, format and expiry only the server can compute); made-up signatures are rightly refused with 403 `invalid_link`. exports-http.test.ts covers real links.",
  },
  {
    convention: "Errors: 400 for input the document refuses",
    check: "refuses-invalid",
    operations: [
      "GET /admin/users",
      "GET /admin/users/{userId}",
      "GET /admin/orgs",
      "GET /admin/orgs/{orgId}",
      "POST /admin/users/{userId}/disable",
      "POST /admin/users/{userId}/enable",
      "POST /admin/users/{userId}/revoke-sessions",
      "POST /admin/users/{userId}/force-password-reset",
      "POST /admin/orgs/{orgId}/suspend",
      "POST /admin/orgs/{orgId}/reinstate",
    ],
    statuses: [404],
    why: "Permanent: operator routes answer 404 to anyone who is not a platform operator before reading the input, so their existence is not disclosed; the fuzz's caller is not an operator. admin-governance-rest.test.ts covers operators' 400s.",
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
