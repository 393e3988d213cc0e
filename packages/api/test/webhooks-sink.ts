import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** webhook-id, webhook-timestamp and webhook-signature, for the standardwebhooks verifier. */
  signed: Record<string, string>;
  at: number;
}

export interface SinkReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A local HTTP receiver: records every request and answers with `reply` (200 by default). */
export interface WebhookSink {
  url: string;
  received: ReceivedWebhook[];
  reply: (request: ReceivedWebhook, index: number) => SinkReply;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookSink(path = "/hook"): Promise<WebhookSink> {
  const received: ReceivedWebhook[] = [];
  const sink: WebhookSink = {
    url: "",
    received,
    reply: () => ({ status: 200, body: "ok" }),
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`sink got ${received.length} of ${count} requests`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const header = (name: string) => String(request.headers[name] ?? "");
      const entry: ReceivedWebhook = {
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        signed: {
          "webhook-id": header("webhook-id"),
          "webhook-timestamp": header("webhook-timestamp"),
          "webhook-signature": header("webhook-signature"),
        },
        at: Date.now(),
      };
      received.push(entry);
      const reply = sink.reply(entry, received.length - 1);
      response.writeHead(reply.status, reply.headers);
      response.end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return sink;
}

export async function waitUntil<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
