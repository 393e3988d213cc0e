// The package's public surface: what the server, the SDK (types only) and benchmarks may use.
export type { Actor, AuditScope } from "./core/audit-log";
export { authenticateBearer } from "./core/authenticate";
export { bearerToken } from "./core/bearer";
export {
  bearerOf,
  type Context,
  createContext,
  createRuntime,
  depsOf,
  type RequestTrace,
  type Runtime,
} from "./core/context";
export type { AppDeps, JobQueue, Settings } from "./core/deps";
export {
  AppError,
  type DescribedError,
  describeError,
  ERROR_STATUS,
  type ErrorCode,
  type ErrorDetails,
  type ErrorDetailsByCode,
} from "./core/errors";
export { EVENT_CATALOGUE, EVENT_TYPES, type EventData, type EventType } from "./core/events/catalogue";
export { emitEvent } from "./core/events/emit";
export { defineJob, type JobDefinition } from "./core/jobs";
export { createOpenApiDocument, type OpenApiOptions } from "./core/openapi/document";
export { type RestProcedure, restProcedures } from "./core/openapi/procedures";
export { PERMISSIONS, type Permission, roleHasPermission } from "./core/policy";
export { API_KEY_PREFIX, type Principal } from "./core/principal";
export type { RequestInfo } from "./core/request-info";
export type { LimitOutcome } from "./core/request-limits";
export type { RestAlias, RestMeta, RestStreamMeta } from "./core/rest-meta";
export { createCallerFactory } from "./core/trpc";
export { rebuild as rebuildAnalytics } from "./domains/analytics/index";
export { DEFAULT_EXPORT_SETTINGS, type ExportSettings } from "./domains/exports/index";
export { consumeWidgetMessage, type OrgLimitValues } from "./domains/limits/index";
export { limitOutcomeOf, rateLimitHeaders } from "./domains/limits/limit-responses";
export { DEFAULT_LIMIT_SETTINGS, type LimitSettings } from "./domains/limits/settings";
export { DEFAULT_RETENTION_SETTINGS, type RetentionSettings } from "./domains/retention/index";
export { DEFAULT_WEBHOOK_RETRY_SCHEDULE } from "./domains/webhooks/retry-policy";
export { JOBS, type JobsHandle, type StartJobsOptions, startJobs } from "./jobs";
export { type AppRouter, appRouter } from "./root";
export { type BuildDepsOptions, buildDeps, DEFAULT_SETTINGS } from "./wiring";
