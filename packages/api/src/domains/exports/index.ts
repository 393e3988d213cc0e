// The exports domain's public surface: other modules import these from here, never its other files.
export { cleanupExpiredExports, exportCleanupJob, exportRunJob, runExport } from "./run";
export { DEFAULT_EXPORT_SETTINGS, type ExportSettings } from "./settings";
