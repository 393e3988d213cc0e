import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStorage, ObjectStorageConfig } from "@kyro/platform";

/** Filled by the wiring from the configuration (defaults below); tests and benches override them. */
export interface ExportSettings {
  /** Local disk (the server: `<KYRO_DATA_DIR>/exports`) or an S3-compatible bucket. */
  storage: ObjectStorageConfig;
  /** How long a completed export's file is kept; the cleanup job deletes it then. */
  fileTtlHours: number;
  /** How long a signed download link works (never past the file's own expiry). */
  linkTtlSeconds: number;
  /** Rows per keyset page while exporting. */
  pageSize: number;
  /** Runs of one export (the first and retries after a crash or failure) before it is failed. */
  maxAttempts: number;
}

export const DEFAULT_EXPORT_SETTINGS: ExportSettings = {
  storage: { kind: "local", dir: join(tmpdir(), "kyro-exports") },
  fileTtlHours: 7 * 24,
  linkTtlSeconds: 15 * 60,
  pageSize: 2_000,
  maxAttempts: 3,
};

declare module "../../core/deps" {
  interface Settings {
    exports: ExportSettings;
  }
  interface AppDeps {
    /** Where export files are written and read (built from `settings.exports.storage`). */
    exportStorage: ObjectStorage;
  }
}
