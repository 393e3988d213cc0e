/** How model calls behave; filled by the wiring (defaults below), overridden by tests. */
export interface AiSettings {
  /** One attempt's limit, connect to last token; a hung provider fails after it. */
  callTimeoutMs: number;
  /** Retries after a 408/409/429/5xx or a connection failure, with backoff honouring Retry-After. */
  maxRetries: number;
}

export const DEFAULT_AI_SETTINGS: AiSettings = { callTimeoutMs: 30_000, maxRetries: 2 };

declare module "../../core/deps" {
  interface Settings {
    ai: AiSettings;
  }
}
