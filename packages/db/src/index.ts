export * from "./client";
export * from "./compiled";
export * from "./migrate";
export * from "./schema/index";
