import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach } from "vitest";
import { loadDocumentSchemas } from "./contract/document";
import { type ContractMismatch, describeMismatch, gapFor } from "./contract/gaps";
import { webhookMismatches } from "./contract/webhooks";

/**
 * Every webhook a sink receives is checked as a partner's receiver would: its payload against the
 * document's `webhooks` section (the entry of its event type, its Standard Webhooks headers), and its
 * signature with the official `standardwebhooks` package against the secrets the test gave the sink
 * (`trust`). A problem fails the test during which the delivery arrived.
 */
const problems: ContractMismatch[] = [];

function failOnProblems() {
  const found = problems.splice(0);
  if (found.length > 0) {
    throw new Error(`Webhook deliveries that break the contract:\n${found.map(describeMismatch).join("\n")}`);
  }
}

afterEach(failOnProblems);
afterAll(failOnProblems);

/** Takes the problems found so far, so a test of the checks themselves can look at them. */
export const takeWebhookProblems = (): ContractMismatch[] => problems.splice(0);

function eventTypeOf(body: string): string {
  try {
    return String((JSON.parse(body) as { type?: unknown }).type);
  } catch {
    return "(unparsed)";
  }
}

function signatureProblem(entry: ReceivedWebhook, secrets: readonly string[]): string | null {
  if (secrets.length === 0) return "the sink was given no endpoint secret to verify with (sink.trust)";
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(entry.body, entry.signed);
      return null;
    } catch {
      // Another trusted endpoint's secret may sign it.
    }
  }
  return "the Standard Webhooks signature does not verify with any trusted secret";
}

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
  /** Adds the secret of an endpoint that delivers here; every delivery must verify with one of them. */
  trust(secret: string): void;
  reply: (request: ReceivedWebhook, index: number) => SinkReply;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * `contract: false` for a receiver of other traffic (an integration's test call), which is not a
 * webhook delivery and is not checked.
 */
export async function startWebhookSink(
  path = "/hook",
  options: { contract?: boolean } = {},
): Promise<WebhookSink> {
  const received: ReceivedWebhook[] = [];
  const secrets: string[] = [];
  const schemas = options.contract === false ? undefined : await loadDocumentSchemas();
  const check = (entry: ReceivedWebhook) => {
    if (!schemas) return;
    const found = webhookMismatches(schemas, { headers: entry.headers, body: entry.body });
    const signature = signatureProblem(entry, secrets);
    if (signature) found.push({ check: "webhook", operation: eventTypeOf(entry.body), message: signature });
    for (const mismatch of found) if (!gapFor(mismatch)) problems.push(mismatch);
  };
  const sink: WebhookSink = {
    url: "",
    received,
    trust(secret) {
      secrets.push(secret);
    },
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
      check(entry);
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
