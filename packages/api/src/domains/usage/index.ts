// The usage domain's public surface: other domains import these from here, never its other files.
export { type ModelUsage, microsToUsd, recordModelUsage, type UsageScope } from "./record";
