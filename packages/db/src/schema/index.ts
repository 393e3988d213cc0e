export * from "./audit";
export * from "./columns";
export * from "./organizations";
export * from "./users";
