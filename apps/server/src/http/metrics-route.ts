import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError } from "@kyro/api";
import type { Logger } from "@kyro/platform";
import { parseRequestTarget } from "./request-target";

export const METRICS_PATH = "/metrics";

/** What a scrape reads: the Prometheus text of the process's registries. */
export interface MetricsSource {
  contentType: string;
  text(): Promise<string>;
}

/** The registries' texts, one after the other (each names its own metrics). */
export function metricsSource(
  registries: readonly { contentType: string; metrics(): Promise<string> }[],
): MetricsSource {
  return {
    contentType: registries[0]?.contentType ?? "text/plain; version=0.0.4; charset=utf-8",
    async text() {
      const texts = await Promise.all(registries.map((registry) => registry.metrics()));
      return texts.join("");
    },
  };
}

const BEARER = /^bearer +([^ ]+) *$/i;
const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Whether the request carries `Authorization: Bearer <token>`. Both sides are hashed before the
 * constant-time comparison, so neither the length nor a matching prefix of the token shows in the timing.
 */
export function carriesBearerToken(req: IncomingMessage, token: string): boolean {
  const sent = BEARER.exec(req.headers.authorization ?? "")?.[1];
  return timingSafeEqual(digest(sent ?? ""), digest(token)) && sent !== undefined;
}

export const metricsTokenRequired = () =>
  new AppError("UNAUTHORIZED", "A valid metrics token is required (Authorization: Bearer <token>)");

export async function sendMetrics(res: ServerResponse, source: MetricsSource): Promise<void> {
  const text = await source.text();
  res.writeHead(200, ["Content-Type", source.contentType, "Cache-Control", "no-store"]);
  res.end(text);
}

function sendPlain(res: ServerResponse, status: number, text: string, headers: string[] = []): void {
  res.writeHead(status, ["Content-Type", "text/plain; charset=utf-8", ...headers]);
  res.end(`${text}\n`);
}

export interface MetricsListener {
  /** Resolves with the base URL once listening (port 0 picks a free port). */
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A listener of its own serving only GET/HEAD /metrics, for a port that the API's clients cannot
 * reach (a private interface, a firewalled port). With a token configured, it asks for it here too.
 */
export function createMetricsListener(options: {
  source: MetricsSource;
  token?: string;
  logger: Logger;
}): MetricsListener {
  const server = createServer((req, res) => {
    const readOnly = req.method === "GET" || req.method === "HEAD";
    if (!readOnly || parseRequestTarget(req.url)?.pathname !== METRICS_PATH) {
      return sendPlain(res, 404, "Not found");
    }
    if (options.token !== undefined && !carriesBearerToken(req, options.token)) {
      return sendPlain(res, 401, "Unauthorized", ["WWW-Authenticate", 'Bearer realm="kyro-metrics"']);
    }
    sendMetrics(res, options.source).catch((error: unknown) => {
      options.logger.error({ err: error }, "metrics scrape failed");
      if (res.headersSent) res.destroy();
      else sendPlain(res, 500, "Internal server error");
    });
  });
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // A scrape takes milliseconds and is repeated on the next interval: nothing to drain.
        server.closeAllConnections();
      });
    },
  };
}
