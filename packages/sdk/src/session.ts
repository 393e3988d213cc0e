import { TRPCClientError } from "@trpc/client";
import type { KyroTokens } from "./types";

export interface SessionOptions {
  accessToken?: string;
  refreshToken?: string;
  onTokens?: (tokens: KyroTokens) => void | Promise<void>;
  /** Exchanges a refresh token for a new pair; rejects when the server refuses it. */
  exchange: (refreshToken: string) => Promise<KyroTokens>;
}

/**
 * The session's current token pair. Renewed at most once at a time however many calls fail together,
 * and replaced by any pair a call returns (`adopt`), since issuing a pair retires the previous refresh
 * token on the server: presenting it again would be seen as reuse and end the session.
 */
export class Session {
  #accessToken: string | undefined;
  #refreshToken: string | undefined;
  #renewal: Promise<boolean> | undefined;
  /** Counts adoptions, so a refresh that was overtaken by one does not put back the older pair. */
  #adoptions = 0;
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

  /**
   * Makes a pair some call returned (login, switchOrg, an explicit refresh...) the session's own at
   * once, so calls from now on use it; resolves once `onTokens` has taken it.
   */
  async adopt(tokens: KyroTokens): Promise<void> {
    this.#adoptions++;
    await this.#replace(tokens);
  }

  async #exchange(): Promise<boolean> {
    const refreshToken = this.#refreshToken;
    if (refreshToken === undefined) return false;
    const adoptionsBefore = this.#adoptions;
    let tokens: KyroTokens;
    try {
      tokens = await this.#options.exchange(refreshToken);
    } catch (error) {
      // A refused refresh token is dead for good (logged out, expired, reused): stop presenting it.
      // Anything else (the network, a 5xx) may pass, so the next failing call tries again.
      if (error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED") {
        if (this.#refreshToken === refreshToken) this.#refreshToken = undefined;
      }
      return this.#adoptions !== adoptionsBefore;
    }
    // A pair adopted meanwhile wins. Had its call (switchOrg, say) run before this refresh, the refresh
    // would have been refused as reuse; so it ran after, and retired the pair this refresh returned.
    if (this.#adoptions !== adoptionsBefore) return true;
    await this.#replace(tokens);
    return true;
  }

  async #replace(tokens: KyroTokens): Promise<void> {
    this.#accessToken = tokens.accessToken;
    this.#refreshToken = tokens.refreshToken;
    await this.#options.onTokens?.({
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    });
  }
}
