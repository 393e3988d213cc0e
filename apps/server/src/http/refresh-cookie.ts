import type { Context } from "@kyro/api";
import { parseCookie, stringifySetCookie } from "cookie";

/**
 * The browser session's refresh token (auth.cookieLogin / cookieVerifyEmail / cookieRefresh). HttpOnly
 * so no script reads it, SameSite=Strict so no other site's page makes the browser send it, and
 * scoped to the one route that reads it, so no other request carries it. Secure in production (over
 * plain http in development the browser would drop a Secure cookie except on localhost).
 */
export const REFRESH_COOKIE_NAME = "kyro_refresh";
export const REFRESH_COOKIE_PATH = "/trpc/auth.cookieRefresh";

/** The refresh token the request's Cookie header carries, or null. */
export function presentedRefreshCookie(header: string | undefined): string | null {
  if (!header) return null;
  return parseCookie(header)[REFRESH_COOKIE_NAME] ?? null;
}

/** The Set-Cookie value for what the procedure asked (a new token, or clearing), or null. */
export function refreshCookieHeader(ctx: Context | undefined, secure: boolean): string | null {
  const outgoing = ctx?.refreshCookie.outgoing;
  if (!outgoing) return null;
  const clear = outgoing === "clear";
  return stringifySetCookie({
    name: REFRESH_COOKIE_NAME,
    value: clear ? "" : outgoing.token,
    path: REFRESH_COOKIE_PATH,
    httpOnly: true,
    sameSite: "strict",
    secure,
    ...(clear
      ? { maxAge: 0 }
      : { maxAge: Math.max(0, Math.floor((outgoing.expiresAt.getTime() - Date.now()) / 1000)) }),
  });
}
