import { isIP } from "node:net";
import { z } from "zod";

// The shapes of single environment values, for the schema in config.ts.

export const urlWithScheme = (schemes: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.slice(0, -1));
      } catch {
        return false;
      }
    },
    { error: `must be a ${schemes.map((scheme) => `${scheme}://`).join(" or ")} URL` },
  );

/** Splits a comma list and runs `parse` on each entry; `parse` returns null for a bad entry. */
export const commaList = <T>(what: string, parse: (entry: string) => T | null) =>
  z.string().transform((value, ctx) => {
    const parsed: T[] = [];
    for (const entry of value.split(",").map((part) => part.trim())) {
      if (!entry) continue;
      const item = parse(entry);
      if (item === null) {
        ctx.addIssue({ code: "custom", message: `must be a comma-separated list of ${what}` });
        return z.NEVER;
      }
      parsed.push(item);
    }
    return parsed;
  });

export function parseCidr(entry: string): string | null {
  const [address, prefix, extra] = entry.split("/");
  if (!address || !prefix || extra !== undefined || !/^\d{1,3}$/.test(prefix)) return null;
  const family = isIP(address);
  const bits = Number(prefix);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) return null;
  return `${address.toLowerCase()}/${bits}`;
}

const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** A trusted proxy: an address, a CIDR range, or one of proxy-addr's names for the private ranges. */
export function parseProxy(entry: string): string | null {
  if (PROXY_RANGE_NAMES.has(entry)) return entry;
  if (isIP(entry) !== 0) return entry.toLowerCase();
  return parseCidr(entry);
}

export function parseOrigin(entry: string): string | null {
  try {
    const url = new URL(entry);
    const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
    const http = url.protocol === "http:" || url.protocol === "https:";
    return bare && http && !entry.endsWith("/") ? url.origin : null;
  } catch {
    return null;
  }
}

const email = z.email();
export const parseEmail = (entry: string) => {
  const normalized = entry.toLowerCase();
  return email.safeParse(normalized).success ? normalized : null;
};

export const parseDelay = (entry: string) =>
  /^\d+$/.test(entry) && Number(entry) > 0 ? Number(entry) : null;

export const PORT_NUMBER = z
  .string()
  .regex(/^\d{1,5}$/, { error: "must be an integer between 0 and 65535" })
  .transform(Number)
  .pipe(z.number().max(65535, { error: "must be an integer between 0 and 65535" }));

export const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** A positive whole number of requests or messages, defaulting to the built-in limit. */
export const limit = (fallback: number) =>
  z
    .string()
    .regex(/^[1-9]\d{0,9}$/, { error: "must be a positive whole number" })
    .transform(Number)
    .default(fallback);

/** true/false (or 1/0), defaulting to `fallback`. */
export const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .transform((value) => value === "true" || value === "1")
    .default(fallback);
