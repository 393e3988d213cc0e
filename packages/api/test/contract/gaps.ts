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
  | "refuses-invalid";

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
    convention: "Verbs and paths: an unserved method on a known path answers 405 with Allow",
    check: "method",
    operations: "*",
    statuses: [404],
    why: "The REST shim routes an unserved method like an unknown path (404).",
  },
  {
    convention: "Statuses: every status an operation can answer is declared on it",
    check: "status",
    operations: "*",
    statuses: [409, 422],
    why: "The document declares neither 409 nor 422 on any operation.",
  },
  {
    convention: "Events: the document has an OpenAPI 3.1 webhooks section declaring every event type",
    check: "webhook",
    operations: "*",
    contains: "the document has no webhooks section",
    why: "Event payloads are only listed as components; there is no webhooks section yet.",
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
