import { TRPCClientError } from "@trpc/client";
import type { KyroTokens } from "./types";

export interface SessionOptions {
  accessToken?: string;
  refreshToken?: string;
  onTokens?: (tokens: KyroTokens) => void | Promise<void>;
  /** Exchanges a refresh token for a new pair; rejects when the server refuses it. */
  exchange: (refreshToken: string) => Promise<KyroTokens>;
}

/** The session's current token pair, renewed at most once at a time however many calls fail together. */
export class Session {
  #accessToken: string | undefined;
  #refreshToken: string | undefined;
  #renewal: Promise<boolean> | undefined;
  readonly #options: SessionOptions;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#accessToken = options.accessToken;
    this.#refreshToken = options.refreshToken;
  }

  get accessToken(): string | undefined {
    return this.#accessToken;
  }

  get canRenew(): boolean {
    return this.#refreshToken !== undefined;
  }

  /**
   * Called by a call that was refused while `stale` was the access token. Resolves true when a newer
   * token is in place (renewed now, or already by a concurrent call), false when the refresh failed.
   * Rejects only when `onTokens` throws.
   */
  renew(stale: string | undefined): Promise<boolean> {
    if (this.#accessToken !== stale) return Promise.resolve(true);
    this.#renewal ??= this.#exchange().finally(() => {
      this.#renewal = undefined;
    });
    return this.#renewal;
  }

  async #exchange(): Promise<boolean> {
    const refreshToken = this.#refreshToken;
    if (refreshToken === undefined) return false;
    let tokens: KyroTokens;
    try {
      tokens = await this.#options.exchange(refreshToken);
    } catch (error) {
      // A refused refresh token is dead for good (logged out, expired, reused): stop presenting it.
      // Anything else (the network, a 5xx) may pass, so the next failing call tries again.
      if (error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED") {
        this.#refreshToken = undefined;
      }
      return false;
    }
    this.#accessToken = tokens.accessToken;
    this.#refreshToken = tokens.refreshToken;
    await this.#options.onTokens?.({
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    });
    return true;
  }
}
