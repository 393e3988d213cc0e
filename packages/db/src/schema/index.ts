export * from "./api-keys";
export * from "./audit";
export * from "./columns";
export * from "./organizations";
export * from "./users";
