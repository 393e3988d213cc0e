import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  /** Envelope codes of a 429 naming which limit refused the call; over tRPC they are TOO_MANY_REQUESTS. */
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
type TrpcErrorCode = Exclude<ErrorCode, "RATE_LIMITED" | "QUOTA_EXCEEDED">;
const trpcCodeOf = (code: ErrorCode): TrpcErrorCode =>
  code === "RATE_LIMITED" || code === "QUOTA_EXCEEDED" ? "TOO_MANY_REQUESTS" : code;
export type ErrorDetails = Record<string, unknown>;

/**
 * The one error services throw; `describeError` maps it (and anything else) for tRPC and REST.
 * It is a TRPCError so tRPC answers it with the right status directly — a mapping middleware in front
 * of every procedure would cost a middleware level (two object copies in tRPC) on every request.
 */
export class AppError extends TRPCError {
  declare readonly code: TrpcErrorCode;
  /** The envelope's code: the tRPC code, or a more precise one (RATE_LIMITED answers as TOO_MANY_REQUESTS). */
  readonly envelopeCode: ErrorCode;
  constructor(
    code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super({ code: trpcCodeOf(code), message });
    this.name = "AppError";
    this.envelopeCode = code;
  }
}

export interface DescribedError {
  status: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

export interface ValidationIssue {
  path: string;
  code: string;
  message: string;
}

export function flattenZodIssues(error: ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    code: issue.code,
    message: issue.message,
  }));
}

/** Never exposes an internal message or stack: unknown failures become a generic 500. */
export function describeError(error: unknown): DescribedError {
  const cause = error instanceof TRPCError && error.cause ? error.cause : error;
  if (cause instanceof AppError) {
    return withStatus(cause.envelopeCode, cause.message, cause.details);
  }
  if (cause instanceof ZodError) {
    return withStatus("BAD_REQUEST", "Invalid input", { issues: flattenZodIssues(cause) });
  }
  if (error instanceof TRPCError && error.code !== "INTERNAL_SERVER_ERROR") {
    const code = (error.code in ERROR_STATUS ? error.code : "BAD_REQUEST") as ErrorCode;
    return withStatus(code, error.message);
  }
  return withStatus("INTERNAL_SERVER_ERROR", "Internal server error");
}

function withStatus(code: ErrorCode, message: string, details?: ErrorDetails): DescribedError {
  return details
    ? { status: ERROR_STATUS[code], code, message, details }
    : { status: ERROR_STATUS[code], code, message };
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") =>
  new AppError("FORBIDDEN", message);
export const unauthorized = (message = "Authentication required") => new AppError("UNAUTHORIZED", message);

/** Postgres unique violation (23505), whether the driver error is thrown bare or wrapped by Drizzle. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === "23505") return true;
  }
  return false;
}
