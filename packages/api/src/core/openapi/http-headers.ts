import type { oas31 } from "zod-openapi";
import { API_KEY_PREFIX } from "../principal";

/** The three bearer schemes (docs/api-conventions.md, "Authentication"). */
export const SECURITY_SCHEMES: Record<
  "apiKey" | "accessToken" | "widgetSession",
  oas31.SecuritySchemeObject
> = {
  apiKey: {
    type: "http",
    scheme: "bearer",
    description: `An API key (\`${API_KEY_PREFIX}…\`), sent as \`Authorization: Bearer <key>\`.`,
  },
  accessToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A user's access token from `auth.login`, `auth.refresh` or `auth.switchOrg`.",
  },
  widgetSession: {
    type: "http",
    scheme: "bearer",
    description:
      "A visitor's widget session token from `POST /widget/{botId}/sessions`; the widget routes also require the page's `Origin`.",
  },
};

const text = { type: "string" } as const;
const integer = { type: "integer", minimum: 0 } as const;

/** Response headers, as components; operations refer to them where they are sent. */
export const HEADER_COMPONENTS: Record<string, oas31.HeaderObject> = {
  XRequestId: {
    description: "The request's id (a valid incoming `X-Request-Id` is echoed); also in error bodies.",
    required: true,
    schema: text,
  },
  RateLimitPolicy: {
    description: 'Every limit applied (IETF draft): `"name";q=<quota>;w=<window seconds>`, comma-separated.',
    schema: text,
  },
  RateLimit: {
    description: 'Where each limit stands: `"name";r=<remaining>;t=<seconds to reset>`.',
    schema: text,
  },
  XRateLimitLimit: { description: "The governing limit's quota.", schema: integer },
  XRateLimitRemaining: { description: "Calls left in the governing limit's window.", schema: integer },
  XRateLimitReset: { description: "When the governing window ends (Unix seconds).", schema: integer },
  RetryAfter: { description: "Seconds to wait before trying again.", required: true, schema: integer },
  Location: { description: "The URL of the resource created.", required: true, schema: text },
  Allow: { description: "The methods this path serves.", required: true, schema: text },
  Deprecation: {
    description: "This route is deprecated (RFC 9745): `@<Unix seconds>` of the deprecation.",
    required: true,
    schema: text,
  },
  Sunset: {
    description: "When this route stops working (RFC 8594, an HTTP date).",
    required: true,
    schema: text,
  },
  Link: { description: 'The route replacing this one (`rel="successor-version"`).', schema: text },
  WWWAuthenticate: {
    description: "The scheme to authenticate with (`Bearer`).",
    required: true,
    schema: text,
  },
};

const ref = (name: string): oas31.ReferenceObject => ({ $ref: `#/components/headers/${name}` });

const RATE_LIMIT_HEADERS = {
  "RateLimit-Policy": ref("RateLimitPolicy"),
  RateLimit: ref("RateLimit"),
  "X-RateLimit-Limit": ref("XRateLimitLimit"),
  "X-RateLimit-Remaining": ref("XRateLimitRemaining"),
  "X-RateLimit-Reset": ref("XRateLimitReset"),
};

/** The headers of an answer with `status`; rate limit headers appear on every answer a limit counted. */
export function headersOf(
  status: string,
  extra: { location?: boolean; deprecated?: boolean } = {},
): Record<string, oas31.ReferenceObject> {
  const headers: Record<string, oas31.ReferenceObject> = { "X-Request-Id": ref("XRequestId") };
  if (status !== "405" && status !== "413") Object.assign(headers, RATE_LIMIT_HEADERS);
  if (status === "429") headers["Retry-After"] = ref("RetryAfter");
  if (status === "405") headers.Allow = ref("Allow");
  if (status === "401") headers["WWW-Authenticate"] = ref("WWWAuthenticate");
  if (status === "201" && extra.location) headers.Location = ref("Location");
  if (extra.deprecated && status.startsWith("2")) {
    Object.assign(headers, { Deprecation: ref("Deprecation"), Sunset: ref("Sunset"), Link: ref("Link") });
  }
  return headers;
}
