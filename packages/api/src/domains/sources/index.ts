// The sources domain's public surface: other domains import these from here, never its other files.

export { sourceTickJob } from "./schedule";
export { DEFAULT_SOURCE_SETTINGS } from "./settings";
export { sourceSyncJob } from "./sync";
