import { z } from "zod";
import { singleLine } from "./text-input";

/**
 * URLs and email addresses, checked by the very patterns the OpenAPI document declares beside their
 * `format`, so a value valid by the document is one the server takes (docs/api-conventions.md, "Request
 * bodies"). The patterns are in JSON Schema's interoperable subset: no flags, so case is spelled out.
 */

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
/** What WHATWG URL parsing refuses in a host name, and `%` (escapes are decoded before the check). */
const NOT_IN_HOST = "\\u0000-\\u0020\\u007F#%/:<>?@[\\\\\\]^|";
const PORT = "(?::(?:[0-9]{0,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?";

/**
 * An http(s) URL with a host and no user name or password: the scheme in any case, `://`, an IPv4
 * address or a name whose last label is not a number (WHATWG would read it as a bad IPv4 address), an
 * optional port up to 65535, then the path, query or fragment. IPv6 literals are not taken. What else
 * the outbound rules refuse (local and private hosts, plain http to a host not explicitly allowed)
 * depends on where a name resolves and on the deployment's allowed ranges, so it is checked when the
 * URL is saved, not declared.
 */
export const HTTP_URL = new RegExp(
  `^[Hh][Tt][Tt][Pp][Ss]?://(?:(?:${OCTET}\\.){3}${OCTET}|[^${NOT_IN_HOST}]*[^${NOT_IN_HOST}.0-9]\\.?)${PORT}(?:[/?#]|$)`,
);

/**
 * An https URL as WHATWG URL parsing reads it (leading spaces dropped, the slashes optional, user info
 * allowed): only the scheme is checked beyond the parse. Stored values are read back through the same
 * schema, so it must not refuse what it once took.
 */
export const HTTPS_SCHEME = /^ *[Hh][Tt][Tt][Pp][Ss]:/;

/**
 * zod's own email rule (`z.email()`: no leading, trailing or doubled dot in the local part, a dotted
 * domain ending in two or more letters), spelled without look-arounds as zod itself emits it.
 */
export const EMAIL =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** An http(s) URL for outbound calls (checked against the outbound rules when saved). */
export const webUrl = (max: number) =>
  singleLine(z.url({ protocol: /^https?$/ }))
    .max(max)
    .regex(HTTP_URL, "Use an http:// or https:// URL without user name or password")
    .meta({ format: "uri" });

/** An https URL shown to visitors (a logo). */
export const httpsUrl = (max: number) =>
  singleLine(z.url({ protocol: /^https$/, error: "Use an https:// URL" }))
    .max(max)
    .regex(HTTPS_SCHEME, "Use an https:// URL")
    .meta({ format: "uri" });

/** An outbound http(s) URL that is trimmed first; the outbound rules parse and check it when saved. */
export const trimmedWebUrl = (max: number) =>
  singleLine()
    .trim()
    .min(1)
    .max(max)
    .regex(HTTP_URL, "Use an http:// or https:// URL without user name or password")
    .meta({ format: "uri" });

/** An email address, trimmed and lower-cased before the check (the stored form). */
export const emailAddress = (max: number, message = "Invalid email address") =>
  singleLine().trim().toLowerCase().max(max).regex(EMAIL, message).meta({ format: "email" });
