import type { RefreshCookie } from "../../core/context";
import type { AppDeps } from "../../core/deps";
import { AppError } from "../../core/errors";

interface CookieContext {
  deps: AppDeps;
  refreshCookie: RefreshCookie;
}

/**
 * Moves the new refresh token from a result into the refresh cookie, so the browser app's scripts
 * never hold it. The cookie lives as long as the token it carries (each refresh extends both).
 */
export function intoRefreshCookie<T extends { refreshToken: string }>(
  ctx: CookieContext,
  result: T,
): Omit<T, "refreshToken"> {
  const { refreshToken, ...rest } = result;
  const expiresAt = new Date(Date.now() + ctx.deps.settings.refreshTokenTtlDays * 86_400_000);
  ctx.refreshCookie.outgoing = { token: refreshToken, expiresAt };
  return rest;
}

/** The refresh token the request's cookie carried; without one, the answer an invalid token gets. */
export function refreshTokenFromCookie(ctx: CookieContext): string {
  const token = ctx.refreshCookie.presented;
  if (!token) throw new AppError("UNAUTHORIZED", "Invalid or expired refresh token");
  return token;
}

/** Signing out clears the cookie whether or not the request carried it (its path keeps it from logout). */
export function clearRefreshCookie(ctx: Pick<CookieContext, "refreshCookie">): void {
  ctx.refreshCookie.outgoing = "clear";
}
