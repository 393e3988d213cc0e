import type { IncomingMessage } from "node:http";
import type { RequestInfo, RequestTrace } from "@kyro/api";

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

export function requestInfo(req: IncomingMessage, requestId: string): RequestInfo {
  const userAgent = req.headers["user-agent"];
  const origin = req.headers.origin;
  return {
    requestId,
    ip: req.socket.remoteAddress ?? "unknown",
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
    origin: origin ? origin.slice(0, ORIGIN_MAX) : null,
  };
}
