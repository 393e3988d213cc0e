export * from "./client";
export * from "./compiled";
export * from "./migrate";
export * from "./query";
export * from "./schema/index";
