export { type AppHandle, type StartOptions, startApp } from "./app";
export { type Config, ConfigError, loadConfig } from "./config";
export type { RestCall, RestRoute } from "./http/rest";
export { createHttpServer, type HttpServer, type HttpServerOptions } from "./http/server";
