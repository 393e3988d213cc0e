export type { Actor, AuditScope } from "./audit-log";
export { API_KEY_PREFIX, authenticateBearer, bearerToken, type Principal } from "./authenticate";
export {
  type Context,
  createContext,
  createRuntime,
  depsOf,
  type RequestInfo,
  type RequestTrace,
  type Runtime,
} from "./context";
export {
  type AppDeps,
  type BuildDepsOptions,
  buildDeps,
  DEFAULT_SETTINGS,
  type JobQueue,
  type Settings,
} from "./deps";
export { consumeWidgetMessage } from "./domains/limits/quota";
export { DEFAULT_LIMIT_SETTINGS, type LimitSettings, type OrgLimitValues } from "./domains/limits/settings";
export { AppError, type DescribedError, describeError, ERROR_STATUS, type ErrorCode } from "./errors";
export { EVENT_CATALOGUE, EVENT_TYPES, type EventData, type EventType } from "./events/catalogue";
export { emitEvent } from "./events/emit";
export { JOBS } from "./jobs/registry";
export { defineJob, type JobDefinition } from "./jobs/types";
export { type JobsHandle, type StartJobsOptions, startJobs } from "./jobs/worker";
export { limitOutcomeOf, rateLimitHeaders } from "./limit-responses";
export { createOpenApiDocument, type OpenApiOptions } from "./openapi/document";
export { type RestProcedure, restProcedures } from "./openapi/procedures";
export type { LimitOutcome } from "./request-limits";
export type { RestMeta, RestStreamMeta } from "./rest-meta";
export { type AppRouter, appRouter } from "./root";
export { createCallerFactory } from "./trpc";
