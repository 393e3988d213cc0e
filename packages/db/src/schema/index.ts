export * from "./api-keys";
export * from "./audit";
export * from "./bots";
export * from "./columns";
export * from "./conversations";
export * from "./events";
export * from "./organizations";
export * from "./users";
