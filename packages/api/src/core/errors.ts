import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  /** Envelope codes of a 429 naming which limit refused the call; over tRPC they are TOO_MANY_REQUESTS. */
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ValidationIssue {
  /** The dotted input field; `""` for the whole input. */
  path: string;
  code: string;
  message: string;
}

/** Why a caller may not do something (docs/api-conventions.md, "Errors"). */
export type ForbiddenReason =
  | "role"
  | "scope"
  | "bot_restricted"
  | "user_only"
  | "unverified"
  | "origin"
  | "not_invitee"
  | "bot_not_allowed"
  | "account_disabled"
  | "org_suspended"
  /** A signed link (export download) that was altered or has expired. */
  | "invalid_link";

export interface LimitDetails {
  limit: number;
  remaining: number;
  /** ISO 8601: when the window (or the UTC day) ends. */
  resetAt: string;
  policy: string;
  scope: string;
}

/** The one `details` shape of each code: docs/api-conventions.md's table, and the document's schemas. */
export interface ErrorDetailsByCode {
  BAD_REQUEST: { issues: ValidationIssue[] };
  UNAUTHORIZED: null;
  FORBIDDEN: { reason: ForbiddenReason; requiredScopes?: string[] };
  NOT_FOUND: { resource: string };
  METHOD_NOT_ALLOWED: { allow: string[] };
  CONFLICT: { reason: string; field?: string };
  PAYLOAD_TOO_LARGE: { limitBytes: number };
  UNPROCESSABLE_CONTENT: { reason: string };
  RATE_LIMITED: LimitDetails;
  QUOTA_EXCEEDED: LimitDetails;
  INTERNAL_SERVER_ERROR: null;
  SERVICE_UNAVAILABLE: null;
}

export type ErrorDetails = ErrorDetailsByCode[ErrorCode];

/** BAD_REQUEST may leave its issues out (one issue on the whole input is made of the message). */
type DetailsArgs<C extends ErrorCode> = ErrorDetailsByCode[C] extends null
  ? []
  : C extends "BAD_REQUEST"
    ? [details?: ErrorDetailsByCode[C]]
    : [details: ErrorDetailsByCode[C]];

type TrpcErrorCode =
  | Exclude<ErrorCode, "RATE_LIMITED" | "QUOTA_EXCEEDED" | "METHOD_NOT_ALLOWED">
  | "TOO_MANY_REQUESTS"
  | "METHOD_NOT_SUPPORTED";
function trpcCodeOf(code: ErrorCode): TrpcErrorCode {
  if (code === "RATE_LIMITED" || code === "QUOTA_EXCEEDED") return "TOO_MANY_REQUESTS";
  return code === "METHOD_NOT_ALLOWED" ? "METHOD_NOT_SUPPORTED" : code;
}

/**
 * The one error services throw; `describeError` maps it (and anything else) for tRPC and REST. Its
 * details are typed by code, so a shape outside the conventions' table does not compile.
 * It is a TRPCError so tRPC answers it with the right status directly — a mapping middleware in front
 * of every procedure would cost a middleware level (two object copies in tRPC) on every request.
 */
export class AppError<C extends ErrorCode = ErrorCode> extends TRPCError {
  declare readonly code: TrpcErrorCode;
  /** The envelope's code: the tRPC code, or a more precise one (RATE_LIMITED answers as TOO_MANY_REQUESTS). */
  readonly envelopeCode: C;
  readonly details: ErrorDetailsByCode[C] | undefined;
  constructor(code: C, message: string, ...details: DetailsArgs<C>) {
    super({ code: trpcCodeOf(code), message });
    this.name = "AppError";
    this.envelopeCode = code;
    this.details = details[0] as ErrorDetailsByCode[C] | undefined;
  }
}

export interface DescribedError {
  status: number;
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
}

export function flattenZodIssues(error: ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    code: issue.code,
    message: issue.message,
  }));
}

const TRPC_TO_ENVELOPE: Partial<Record<string, ErrorCode>> = {
  PARSE_ERROR: "BAD_REQUEST",
  METHOD_NOT_SUPPORTED: "METHOD_NOT_ALLOWED",
  TOO_MANY_REQUESTS: "RATE_LIMITED",
  CONTENT_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
};

/** Never exposes an internal message or stack: unknown failures become a generic 500. */
export function describeError(error: unknown): DescribedError {
  const cause = error instanceof TRPCError && error.cause ? error.cause : error;
  if (cause instanceof AppError) {
    return described(cause.envelopeCode, cause.message, cause.details);
  }
  if (cause instanceof ZodError) {
    return described("BAD_REQUEST", "Invalid input", { issues: flattenZodIssues(cause) });
  }
  if (error instanceof TRPCError && error.code !== "INTERNAL_SERVER_ERROR") {
    const known = error.code in ERROR_STATUS ? (error.code as ErrorCode) : TRPC_TO_ENVELOPE[error.code];
    return described(known ?? "BAD_REQUEST", error.message, undefined);
  }
  return described("INTERNAL_SERVER_ERROR", "Internal server error", undefined);
}

/**
 * Fills in a details shape left out by errors that do not come from a service (tRPC's own, say), so
 * every answer of a code has the one shape the document declares for it.
 */
function described(code: ErrorCode, message: string, details: ErrorDetails | undefined): DescribedError {
  return { status: ERROR_STATUS[code], code, message, details: details ?? defaultDetails(code, message) };
}

function defaultDetails(code: ErrorCode, message: string): ErrorDetails {
  switch (code) {
    case "BAD_REQUEST":
      return { issues: [{ path: "", code: "invalid_request", message }] };
    case "NOT_FOUND":
      return { resource: "Route" };
    case "FORBIDDEN":
      return { reason: "role" };
    case "CONFLICT":
    case "UNPROCESSABLE_CONTENT":
      return { reason: "unspecified" };
    case "METHOD_NOT_ALLOWED":
      return { allow: [] };
    case "PAYLOAD_TOO_LARGE":
      return { limitBytes: 0 };
    default:
      return null;
  }
}

/** A BAD_REQUEST about one input field, in the `issues` shape every validation error has. */
export function invalidField(path: string, message: string, code = "invalid_value"): AppError<"BAD_REQUEST"> {
  return new AppError("BAD_REQUEST", message, { issues: [{ path, code, message }] });
}

export const notFound = (resource: string) =>
  new AppError("NOT_FOUND", `${resource} not found`, { resource });
export const forbidden = (reason: ForbiddenReason, message = "You do not have permission to do this") =>
  new AppError("FORBIDDEN", message, { reason });
export const conflict = (reason: string, message: string, field?: string) =>
  new AppError("CONFLICT", message, field ? { reason, field } : { reason });
export const unprocessable = (reason: string, message: string) =>
  new AppError("UNPROCESSABLE_CONTENT", message, { reason });
export const unauthorized = (message = "Authentication required") => new AppError("UNAUTHORIZED", message);

/** Postgres unique violation (23505), whether the driver error is thrown bare or wrapped by Drizzle. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === "23505") return true;
  }
  return false;
}
