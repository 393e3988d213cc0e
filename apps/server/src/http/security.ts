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

export function applySecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
const ALLOWED_HEADERS = "authorization, content-type, x-request-id, trpc-accept";
const EXPOSED_HEADERS = "x-request-id";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * CORS for the configured console origins only, with credentials. Any other origin gets no CORS
 * header at all, so the browser refuses to hand it the response.
 */
export function createCors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return {
    /** Adds the CORS headers when the request's Origin is allowed; returns whether it was. */
    apply(req: IncomingMessage, res: ServerResponse): boolean {
      res.setHeader("Vary", "Origin");
      const origin = req.headers.origin;
      if (!origin || !allowed.has(origin)) return false;
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Allow-Credentials", "true");
      res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
      return true;
    },
    isPreflight(req: IncomingMessage): boolean {
      return req.method === "OPTIONS" && typeof req.headers["access-control-request-method"] === "string";
    },
    /** Answers a preflight; for a refused origin the 204 carries no CORS headers. */
    answerPreflight(res: ServerResponse, originAllowed: boolean): void {
      if (originAllowed) {
        res.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS);
        res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        res.setHeader("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS);
      }
      res.statusCode = 204;
      res.end();
    },
  };
}

export type Cors = ReturnType<typeof createCors>;
