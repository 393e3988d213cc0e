export * from "./access-tokens";
export * from "./crypto";
export * from "./logger";
export * from "./mailer";
export * from "./metrics";
export * from "./passwords";
export * from "./rate-limit";
export * from "./redis";
