// The retention domain's public surface.
export { purgeExpired, retentionPurgeJob } from "./purge";
export { retentionDaysOf } from "./service";
export { DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_SETTINGS, type RetentionSettings } from "./settings";
