import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Every response is an API response (JSON, CSV or metrics text): nothing may be framed, sniffed,
 * run as a document or embedded by another site, and no URL leaks through Referer.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "Cache-Control": "no-store",
};

/** The security headers in writeHead's flat form; `setServerHeaders` sets them on every response. */
export const SECURITY_HEADER_LIST: readonly string[] = Object.freeze(Object.entries(SECURITY_HEADERS).flat());

const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
const ALLOWED_HEADERS = "authorization, content-type, x-request-id, trpc-accept";
const EXPOSED_HEADERS = "x-request-id";
const WIDGET_EXPOSED_HEADERS =
  "x-request-id, retry-after, ratelimit, ratelimit-policy, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset";
const WIDGET_HEADERS = "authorization, content-type, x-request-id";

/**
 * The visitor-facing widget routes: opening a session and the calls made with its token. They are
 * called from customers' pages, so any origin may read them; the procedures themselves refuse origins
 * outside the bot's allowlist (403) and bind each session token to its origin.
 */
const PUBLIC_WIDGET_PATH = /^\/api\/v1\/widget\/(?:sessions\/|messages\/|[^/]+\/sessions$)/;
const PREFLIGHT_MAX_AGE_SECONDS = "600";

type CorsMode = "console" | "widget" | null;

/**
 * CORS for the configured console origins, with credentials, and for the public widget routes from
 * any origin, without credentials. Any other origin gets no CORS header at all, so the browser
 * refuses to hand it the response. Every response varies by Origin (`setServerHeaders` says so).
 */
export function createCors(origins: readonly string[]) {
  const allowed = new Set(origins);
  const modes = new WeakMap<IncomingMessage, CorsMode>();
  return {
    /**
     * The CORS headers the request's Origin earns (writeHead's flat form); none when it is not allowed.
     * `pathname` is the normalized path the request is routed by (null for a malformed target): judged
     * on the raw target, `/api/v1/widget/sessions/../../../trpc/…` would earn the widget's open CORS
     * for a route that is not the widget's.
     */
    headersFor(req: IncomingMessage, pathname: string | null): readonly string[] | null {
      const origin = req.headers.origin;
      if (!origin) return null;
      if (allowed.has(origin)) {
        modes.set(req, "console");
        return [
          "Access-Control-Allow-Origin",
          origin,
          "Access-Control-Allow-Credentials",
          "true",
          "Access-Control-Expose-Headers",
          EXPOSED_HEADERS,
        ];
      }
      if (pathname === null || !PUBLIC_WIDGET_PATH.test(pathname)) return null;
      modes.set(req, "widget");
      return ["Access-Control-Allow-Origin", origin, "Access-Control-Expose-Headers", WIDGET_EXPOSED_HEADERS];
    },
    isPreflight(req: IncomingMessage): boolean {
      return req.method === "OPTIONS" && typeof req.headers["access-control-request-method"] === "string";
    },
    /** Answers a preflight; for a refused origin the 204 carries no CORS headers. */
    answerPreflight(req: IncomingMessage, res: ServerResponse, originAllowed: boolean): void {
      if (originAllowed) {
        const widget = modes.get(req) === "widget";
        res.setHeader("Access-Control-Allow-Methods", widget ? "GET, POST" : ALLOWED_METHODS);
        res.setHeader("Access-Control-Allow-Headers", widget ? WIDGET_HEADERS : ALLOWED_HEADERS);
        res.setHeader("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS);
      }
      res.statusCode = 204;
      res.end();
    },
  };
}
