/** Limits of ingestion; filled by the wiring (defaults below), overridden by tests and benches. */
export interface SourceSettings {
  /** Largest uploaded file (after base64 decoding); the request body cap applies first. */
  maxFileBytes: number;
  /** Ceiling on a crawl's `maxPages` and `maxDepth` a member may ask for. */
  maxCrawlPages: number;
  maxCrawlDepth: number;
  /** Largest page the crawler reads; the rest is cut. */
  maxPageBytes: number;
  /** One page fetch. */
  fetchTimeoutMs: number;
  /** A sync still running after this is failed by the reaper and retried (up to `maxAttempts`). */
  syncTimeoutMs: number;
  maxAttempts: number;
}

export const DEFAULT_SOURCE_SETTINGS: SourceSettings = {
  maxFileBytes: 10 * 1024 * 1024,
  maxCrawlPages: 200,
  maxCrawlDepth: 5,
  maxPageBytes: 2 * 1024 * 1024,
  fetchTimeoutMs: 10_000,
  syncTimeoutMs: 10 * 60_000,
  maxAttempts: 3,
};

declare module "../../core/deps" {
  interface Settings {
    sources: SourceSettings;
  }
}
