/** The parts of a request's URL the handlers read. */
export interface RequestTarget {
  pathname: string;
  searchParams: URLSearchParams;
}

/**
 * A path of plain characters only — no percent-escapes, dot segments, backslashes or a leading `//` —
 * which WHATWG URL parsing would return unchanged; the query may be any visible ASCII but `#`.
 */
const PLAIN_PATH = /^\/(?!\/)[\w\-.~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /\/\.{1,2}(?:\/|$)/;
const PLAIN_QUERY = /^[\x21-\x22\x24-\x7e]*$/;

/**
 * Splits `req.url` into path and query. A plain target is split directly: full URL parsing cost more
 * than the rest of routing under load, and for such a target it yields the same path and parameters.
 * Anything else goes through `URL`, which normalizes it. Null when the target is not origin-form.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | null {
  if (!raw?.startsWith("/")) return null;
  const mark = raw.indexOf("?");
  const pathname = mark === -1 ? raw : raw.slice(0, mark);
  const search = mark === -1 ? "" : raw.slice(mark + 1);
  if (PLAIN_PATH.test(pathname) && !DOT_SEGMENT.test(pathname) && PLAIN_QUERY.test(search)) {
    return { pathname, searchParams: new URLSearchParams(search) };
  }
  try {
    const url = new URL(raw, "http://kyro.invalid");
    return { pathname: url.pathname, searchParams: url.searchParams };
  } catch {
    return null;
  }
}
