import { z } from "zod";
import type { ErrorCode } from "../errors";

export type StatusCode = `${1 | 2 | 3 | 4 | 5}${string}`;

/** The envelope of one code (or codes of one status) with that code's one `details` shape. */
function envelope(id: string, codes: [ErrorCode, ...ErrorCode[]], details: z.ZodType) {
  return z
    .strictObject({
      error: z.strictObject({
        code: z.enum(codes),
        message: z.string(),
        /** Also in the `X-Request-Id` response header; quote it when reporting a problem. */
        requestId: z.string(),
        details,
      }),
    })
    .meta({ id, description: `The error envelope of ${codes.join(" and ")}, with its one details shape.` });
}

const issue = z
  .strictObject({
    path: z.string().meta({ description: 'The dotted input field; `""` for the whole input.' }),
    code: z.string(),
    message: z.string(),
  })
  .meta({ id: "ValidationIssue" });

const limitDetails = z.strictObject({
  limit: z.int(),
  remaining: z.int(),
  resetAt: z.iso.datetime(),
  policy: z.string(),
  scope: z.string(),
});

/** A 409 or 422 envelope whose `details.reason` is one of the operation's declared reasons. */
export function reasonEnvelope(code: "CONFLICT" | "UNPROCESSABLE_CONTENT", reasons: readonly string[]) {
  const reason = z.enum(reasons as [string, ...string[]]);
  const details =
    code === "CONFLICT"
      ? z.strictObject({ reason, field: z.string().optional() })
      : z.strictObject({ reason });
  return z.strictObject({
    error: z.strictObject({ code: z.enum([code]), message: z.string(), requestId: z.string(), details }),
  });
}

/**
 * The error answers, by status, with their descriptions and envelopes (docs/api-conventions.md,
 * "Errors"). 409 and 422 are per operation (`reasonEnvelope`); the rest are shared components.
 */
export const ERROR_ANSWERS = {
  "400": {
    description:
      "Invalid input: `details.issues` lists each problem (an unknown parameter and malformed JSON included).",
    schema: envelope("BadRequestError", ["BAD_REQUEST"], z.strictObject({ issues: z.array(issue) })),
  },
  "401": {
    description: "No credential, or one that is invalid, expired or revoked.",
    schema: envelope("UnauthorizedError", ["UNAUTHORIZED"], z.null()),
  },
  "403": {
    description:
      "The caller's role or the API key's scopes (`details.requiredScopes`) do not allow this, or an operator disabled the account (`account_disabled`) or suspended the organization (`org_suspended`).",
    schema: envelope(
      "ForbiddenError",
      ["FORBIDDEN"],
      z.strictObject({
        reason: z.enum([
          "role",
          "scope",
          "bot_restricted",
          "user_only",
          "unverified",
          "origin",
          "not_invitee",
          "bot_not_allowed",
          "account_disabled",
          "org_suspended",
          "invalid_link",
        ]),
        requiredScopes: z.array(z.string()).optional(),
      }),
    ),
  },
  "404": {
    description: "No such resource (`details.resource`); another organization's ids also answer 404.",
    schema: envelope("NotFoundError", ["NOT_FOUND"], z.strictObject({ resource: z.string() })),
  },
  "405": {
    description: "The path exists but not with this method; `Allow` lists the methods it serves.",
    schema: envelope(
      "MethodNotAllowedError",
      ["METHOD_NOT_ALLOWED"],
      z.strictObject({ allow: z.array(z.string()) }),
    ),
  },
  "413": {
    description: "The request body is larger than the limit (`details.limitBytes`).",
    schema: envelope("PayloadTooLargeError", ["PAYLOAD_TOO_LARGE"], z.strictObject({ limitBytes: z.int() })),
  },
  "429": {
    description: "A rate limit or daily quota refused the call; retry after `Retry-After` seconds.",
    schema: envelope("RateLimitedError", ["RATE_LIMITED", "QUOTA_EXCEEDED"], limitDetails),
  },
  "500": {
    description: "Unexpected failure; quote the `requestId`.",
    schema: envelope("InternalError", ["INTERNAL_SERVER_ERROR"], z.null()),
  },
} as const satisfies Record<string, { description: string; schema: z.ZodType }>;

export const REASON_DESCRIPTIONS = {
  "409":
    "The resource's state does not allow this (`details.reason`, and `details.field` when one field is the cause).",
  "422": "The request is well-formed but unusable (`details.reason`).",
} as const;
