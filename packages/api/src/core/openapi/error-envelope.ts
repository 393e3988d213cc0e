import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../errors";

const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** The REST error shape (see ARCHITECTURE "REST error envelope"); the server writes exactly this. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      /** Also in the `X-Request-Id` response header; quote it when reporting a problem. */
      requestId: z.string(),
      details: z.record(z.string(), z.unknown()).nullable().meta({
        description:
          "Structured detail: `issues` (path, code, message) for invalid input, `requiredScopes` for an API key lacking a scope.",
      }),
    }),
  })
  .meta({ id: "ErrorEnvelope", description: "Every REST error answers with this body." });

export type StatusCode = `${1 | 2 | 3 | 4 | 5}${string}`;

/** The error answers every operation documents, each with the envelope. */
export const ERROR_RESPONSES: readonly (readonly [StatusCode, string])[] = [
  ["400", "Invalid input (`details.issues` lists each problem), an unknown parameter or malformed JSON."],
  ["401", "No credential, or one that is invalid, expired or revoked."],
  ["403", "The caller's role, or the API key's scopes (`details.requiredScopes`), do not allow this."],
  ["404", "No such route or resource; another organization's ids also answer 404."],
  ["413", "The request body is larger than 1 MiB."],
  ["429", "Too many requests; retry after `Retry-After` seconds."],
  ["500", "Unexpected failure; quote the `requestId`."],
];
