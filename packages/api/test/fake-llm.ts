import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real HTTP server on loopback speaking the OpenAI-compatible protocol: `/v1/models`,
 * `/v1/chat/completions` (plain or streamed as SSE chunks, the last one carrying `usage`) and
 * `/v1/embeddings`. Tests steer it: latency before the first byte, delay between tokens, queued
 * failures (429 with Retry-After, 5xx, a hang that never answers), and the reply itself.
 */

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  temperature?: number;
  max_tokens?: number;
}

export type Failure = { status: number; retryAfterSeconds?: number } | "hang";

export interface FakeLlm {
  url: string;
  /** Every chat request received, in order (failed attempts included). */
  chats: ChatRequestBody[];
  /** Authorization headers seen, to check the decrypted key is what is sent. */
  authorizations: string[];
  /** Milliseconds before the first byte of a chat answer. */
  latencyMs: number;
  /** Milliseconds between streamed tokens. */
  tokenDelayMs: number;
  /** Answers the next requests with these failures, one each, before answering normally again. */
  failures: Failure[];
  /** What the model answers; by default it quotes the first passage of the system prompt and cites it. */
  reply: (request: ChatRequestBody) => string;
  models: string[];
  close(): Promise<void>;
}

/** Whitespace-separated words: the fake's token count, stable and easy to reason about in tests. */
export const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Quotes the first numbered passage (`[1] …`) of the system prompt; "I don't know." without one. */
export function quoteFirstPassage(request: ChatRequestBody): string {
  const system = request.messages.find((message) => message.role === "system")?.content ?? "";
  const passage = /^\[(\d+)\][^\n]*\n([^\n]+)/m.exec(system);
  if (!passage) return "I don't know.";
  const words = (passage[2] ?? "").split(/\s+/).slice(0, 24).join(" ");
  return `According to our documents: ${words} [${passage[1]}]`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeLlm(options: Partial<Pick<FakeLlm, "latencyMs" | "tokenDelayMs">> = {}) {
  const hanging = new Set<ServerResponse>();
  const state: Omit<FakeLlm, "url" | "close"> = {
    chats: [],
    authorizations: [],
    latencyMs: options.latencyMs ?? 0,
    tokenDelayMs: options.tokenDelayMs ?? 0,
    failures: [],
    reply: quoteFirstPassage,
    models: ["fake-chat", "fake-embed"],
  };

  /** Answers with the next queued failure, if any; true when it did (or left the request hanging). */
  function failed(res: ServerResponse): boolean {
    const failure = state.failures.shift();
    if (failure === "hang") {
      hanging.add(res);
      return true;
    }
    if (!failure) return false;
    const headers: Record<string, string> =
      failure.retryAfterSeconds === undefined ? {} : { "retry-after": String(failure.retryAfterSeconds) };
    json(res, failure.status, { error: { message: `fake failure ${failure.status}` } }, headers);
    return true;
  }

  async function chat(req: IncomingMessage, res: ServerResponse) {
    const body = (await readJson(req)) as ChatRequestBody;
    state.chats.push(body);
    if (failed(res)) return;
    if (state.latencyMs > 0) await sleep(state.latencyMs);
    const content = state.reply(body);
    const usage = {
      prompt_tokens: countWords(body.messages.map((message) => message.content).join(" ")),
      completion_tokens: countWords(content),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const base = { id: "chatcmpl-fake", created: Math.floor(Date.now() / 1000), model: body.model };
    if (!body.stream) {
      return json(res, 200, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage,
      });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const pieces = content.match(/\S+\s*/g) ?? [];
    for (const [index, piece] of pieces.entries()) {
      if (index > 0 && state.tokenDelayMs > 0) await sleep(state.tokenDelayMs);
      send({
        ...base,
        object: "chat.completion.chunk",
        choices: [
          { index: 0, delta: index === 0 ? { role: "assistant", content: piece } : { content: piece } },
        ],
      });
    }
    send({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
    });
    send({ ...base, object: "chat.completion.chunk", choices: [], usage });
    res.end("data: [DONE]\n\n");
  }

  async function embeddings(req: IncomingMessage, res: ServerResponse) {
    const body = (await readJson(req)) as { input: string | string[]; model: string };
    if (failed(res)) return;
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    json(res, 200, {
      object: "list",
      model: body.model,
      data: inputs.map((text, index) => ({
        object: "embedding",
        index,
        embedding: Array.from({ length: 8 }, (_, dimension) => ((text.length + dimension) % 7) / 7),
      })),
      usage: { prompt_tokens: countWords(inputs.join(" ")), total_tokens: countWords(inputs.join(" ")) },
    });
  }

  const server: Server = createServer((req, res) => {
    state.authorizations.push(req.headers.authorization ?? "");
    const path = (req.url ?? "").split("?")[0];
    const handled =
      req.method === "GET" && path === "/v1/models"
        ? Promise.resolve(
            failed(res) ||
              json(res, 200, {
                object: "list",
                data: state.models.map((id) => ({ id, object: "model", created: 0, owned_by: "fake" })),
              }),
          )
        : req.method === "POST" && path === "/v1/chat/completions"
          ? chat(req, res)
          : req.method === "POST" && path === "/v1/embeddings"
            ? embeddings(req, res)
            : Promise.resolve(json(res, 404, { error: { message: "not found" } }));
    handled.catch((error: unknown) => json(res, 500, { error: { message: String(error) } }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const fake: FakeLlm = Object.assign(state, {
    url: `http://127.0.0.1:${port}/v1`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
  return fake;
}
