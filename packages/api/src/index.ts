export type { Actor, AuditScope } from "./audit-log";
export {
  type Context,
  createContext,
  createRuntime,
  depsOf,
  type RequestInfo,
  type RequestTrace,
  type Runtime,
} from "./context";
export { type AppDeps, type BuildDepsOptions, buildDeps, DEFAULT_SETTINGS, type Settings } from "./deps";
export { contentTypeFor, exportFilename } from "./domains/audit/service";
export { AppError, type DescribedError, describeError, ERROR_STATUS, type ErrorCode } from "./errors";
export { type AppRouter, appRouter } from "./root";
export { createCallerFactory } from "./trpc";
