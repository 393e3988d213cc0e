import type { IncomingMessage } from "node:http";
import type { RequestInfo, RequestTrace } from "@kyro/api";
import proxyAddr from "proxy-addr";

/** What the server knows about one request, shared by the handlers, the access log and metrics. */
export interface RequestState {
  request: RequestInfo;
  /** Bounded metrics/log label: a route template, never the raw URL. */
  route: string;
  /** Filled by the auth and org middlewares (userId, orgId). */
  trace: RequestTrace;
}

const USER_AGENT_MAX = 512;
const ORIGIN_MAX = 512;

/** Decides whether an address is a trusted proxy (`proxyAddr.compile` of KYRO_TRUSTED_PROXIES). */
export type ProxyTrust = ((address: string, hop: number) => boolean) | null;

export function compileProxyTrust(trusted: readonly string[]): ProxyTrust {
  return trusted.length === 0 ? null : proxyAddr.compile([...trusted]);
}

/**
 * The client's address: the peer's, or — when the peer is a trusted proxy — the nearest untrusted
 * address in X-Forwarded-For (proxy-addr walks it from the right, so a client cannot spoof past a
 * trusted hop). Per-IP limits and login throttles key on it.
 */
function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  if (!trust) return req.socket.remoteAddress ?? "unknown";
  return proxyAddr(req, trust);
}

export function requestInfo(req: IncomingMessage, requestId: string, trust: ProxyTrust = null): RequestInfo {
  const userAgent = req.headers["user-agent"];
  const origin = req.headers.origin;
  return {
    requestId,
    ip: clientAddress(req, trust),
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
    origin: origin ? origin.slice(0, ORIGIN_MAX) : null,
  };
}
