import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, request, fetch as undiciFetch } from "undici";
import { isIpLiteral, judgeAddress, parseAllowList } from "./address-policy";
import { OutboundError } from "./errors";
import { describeCategory, hostOf } from "./url-policy";

export interface OutboundRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whole request: connect, headers and body. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxResponseBytes?: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  durationMs: number;
}

export interface OutboundClient {
  send(request: OutboundRequest): Promise<OutboundResponse>;
  /**
   * A WHATWG `fetch` behind the same guard (and no redirects), for libraries that take a `fetch` option
   * and stream responses themselves (the model provider SDK). Guard refusals reject with OutboundError.
   */
  fetch: typeof globalThis.fetch;
  close(): Promise<void>;
}

export interface OutboundClientOptions {
  /** Ranges exempt from the guard (KYRO_OUTBOUND_ALLOW_CIDRS); tests allow 127.0.0.0/8. */
  allowCidrs: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_RESPONSE_BYTES = 20_480;

/** Raised inside the socket's lookup; recognised on the way out and turned into kind "refused". */
class GuardRefusal extends Error {}

function guardedLookup(allow: ReturnType<typeof parseAllowList>): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      // Every address must pass: a resolver may rotate or the socket may fall back to another one.
      for (const entry of addresses) {
        const verdict = judgeAddress(entry.address, allow);
        if (!verdict.ok) {
          const reason = `${hostname} resolves to ${entry.address}, ${describeCategory(verdict.category)}`;
          return callback(new GuardRefusal(reason), "", 0);
        }
      }
      if (addresses.length === 0) return callback(new Error(`${hostname} did not resolve`), "", 0);
      // The socket connects to exactly what was checked here; no second resolution happens.
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 6) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
]);
const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function toOutboundError(error: unknown, timedOut: boolean): OutboundError {
  if (error instanceof OutboundError) return error;
  const chain = causes(error);
  const refusal = chain.find((item) => item instanceof GuardRefusal);
  if (refusal) return new OutboundError("refused", (refusal as Error).message, { cause: error });
  const codes = chain.map((item) => (item as { code?: string }).code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  if (timedOut || codes.some((code) => TIMEOUT_CODES.has(code))) {
    return new OutboundError("timeout", timedOut ? "Request timed out" : message, { cause: error });
  }
  if (codes.some((code) => CONNECT_CODES.has(code)))
    return new OutboundError("connect", message, { cause: error });
  return new OutboundError("network", message, { cause: error });
}

function parseTarget(raw: string, allow: ReturnType<typeof parseAllowList>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError("refused", "Not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OutboundError("refused", "Only http and https URLs are allowed");
  }
  const host = hostOf(url);
  // Literal addresses never reach the lookup hook, so they are judged here.
  if (isIpLiteral(host)) {
    const verdict = judgeAddress(host, allow);
    if (!verdict.ok) throw new OutboundError("refused", `${host} is ${describeCategory(verdict.category)}`);
  }
  return url;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** An HTTP client for tenant-chosen URLs: SSRF guard, no redirects, timeouts, capped responses. */
export function createOutboundClient(options: OutboundClientOptions): OutboundClient {
  const allow = parseAllowList(options.allowCidrs);
  const lookup = guardedLookup(allow);
  // One agent per connect timeout, since undici fixes it per agent; in practice there is one.
  const agents = new Map<number, Agent>();
  const agentFor = (connectTimeoutMs: number): Agent => {
    let agent = agents.get(connectTimeoutMs);
    if (!agent) {
      agent = new Agent({ connect: { lookup, timeout: connectTimeoutMs }, keepAliveTimeout: 4_000 });
      agents.set(connectTimeoutMs, agent);
    }
    return agent;
  };

  return {
    async send(input) {
      const started = performance.now();
      const url = parseTarget(input.url, allow);
      const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const maxBytes = input.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      try {
        const response = await request(url, {
          dispatcher: agentFor(input.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
          method: (input.method ?? "GET").toUpperCase() as "GET",
          headers: input.headers,
          body: input.body,
          signal: controller.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        for await (const chunk of response.body) {
          const buffer = chunk as Buffer;
          if (size + buffer.length > maxBytes) {
            chunks.push(buffer.subarray(0, maxBytes - size));
            size = maxBytes;
            truncated = true;
            // Breaking out of the iterator destroys the body stream, which aborts the rest of the download.
            break;
          }
          chunks.push(buffer);
          size += buffer.length;
        }
        return {
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          body: Buffer.concat(chunks, size),
          truncated,
          durationMs: Math.round(performance.now() - started),
        };
      } catch (error) {
        throw toOutboundError(error, timedOut);
      } finally {
        clearTimeout(timer);
      }
    },
    async fetch(input, init) {
      const target = input instanceof Request ? input.url : String(input);
      parseTarget(target, allow);
      try {
        const response = await undiciFetch(target, {
          ...(init as Parameters<typeof undiciFetch>[1]),
          redirect: "manual",
          dispatcher: agentFor(DEFAULT_CONNECT_TIMEOUT_MS),
        });
        return response as unknown as Response;
      } catch (error) {
        // An abort is the caller's own timeout or cancellation: handed back as it is, so it can tell.
        if ((error as { name?: string }).name === "AbortError") throw error;
        throw toOutboundError(error, false);
      }
    },
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      agents.clear();
    },
  };
}
