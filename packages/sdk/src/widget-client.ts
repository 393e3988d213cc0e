import type {
  KyroWidgetClient,
  KyroWidgetClientOptions,
  KyroWidgetSession,
  KyroWidgetSessionInfo,
  KyroWidgetStreamEvent,
} from "./widget-types";

interface ErrorEnvelope {
  error?: { code?: unknown; message?: unknown; requestId?: unknown; details?: unknown };
}

/** A refused widget call: the REST error envelope (`code`, `message`, `requestId`, `details`) and status. */
export class KyroWidgetError extends Error {
  override readonly name = "KyroWidgetError";
  constructor(
    /** The Kyro error code, e.g. `UNAUTHORIZED` (expired session), `FORBIDDEN` (origin), `RATE_LIMITED`. */
    readonly code: string,
    message: string,
    readonly status: number,
    readonly requestId: string | null,
    readonly details: Record<string, unknown> | null,
    /** Seconds to wait before retrying, from `Retry-After` (rate limits). */
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
  }
}

export function isKyroWidgetError(error: unknown): error is KyroWidgetError {
  return error instanceof KyroWidgetError;
}

async function refusal(response: Response): Promise<KyroWidgetError> {
  const body = (await response.json().catch(() => null)) as ErrorEnvelope | null;
  const error = body?.error;
  const retryAfter = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  return new KyroWidgetError(
    typeof error?.code === "string" ? error.code : `HTTP_${response.status}`,
    typeof error?.message === "string" ? error.message : response.statusText,
    response.status,
    typeof error?.requestId === "string" ? error.requestId : response.headers.get("x-request-id"),
    typeof error?.details === "object" && error.details !== null
      ? (error.details as Record<string, unknown>)
      : null,
    Number.isNaN(retryAfter) ? null : retryAfter,
  );
}

/** Turns one Server-Sent Event block (`event:` and `data:` lines) into a stream event. */
function streamEventOf(block: string): KyroWidgetStreamEvent | null {
  let name = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trimStart();
  }
  if (!data) return null;
  const payload = JSON.parse(data) as Record<string, unknown>;
  if (name === "delta") return { type: "delta", text: String(payload.text ?? "") };
  if (name === "done") return { type: "done", exchange: payload as never };
  if (name === "error")
    return { type: "error", code: String(payload.code), message: String(payload.message) };
  return null;
}

/** The events of a `text/event-stream` body, as each block completes. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<KyroWidgetStreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value, { stream: !done }).replaceAll("\r\n", "\n");
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const event = streamEventOf(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) yield event;
        end = buffer.indexOf("\n\n");
      }
      if (done) return;
    }
  } finally {
    // Leaving early (the caller broke out) cancels the download; the server still stores the reply.
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * The visitor's client for the widget runtime: opens a session on one bot and sends the visitor's
 * calls with its token. It speaks the public REST routes (`/api/v1/widget/...`), the only ones any
 * page origin may call (CORS), as plain JSON: no tRPC or superjson, so it stays small enough to ship
 * inside the widget script. It can reach nothing but the widget runtime.
 */
export function createKyroWidgetClient(options: KyroWidgetClientOptions): KyroWidgetClient {
  const api = `${options.baseUrl.replace(/\/+$/, "")}/api/v1/widget`;
  const send = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const botId = options.botId;

  async function call<T>(
    method: "GET" | "POST",
    path: string,
    token: string | null,
    body?: object,
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.origin !== undefined) headers.origin = options.origin;
    const response = await send(`${api}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await refusal(response);
    return (await response.json()) as T;
  }

  async function* stream(
    path: string,
    token: string,
    content: string,
  ): AsyncGenerator<KyroWidgetStreamEvent> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "text/event-stream",
      authorization: `Bearer ${token}`,
    };
    if (options.origin !== undefined) headers.origin = options.origin;
    const response = await send(`${api}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ content }),
    });
    if (!response.ok) throw await refusal(response);
    if (!response.body) throw new Error("The streamed reply has no body");
    yield* readEvents(response.body);
  }

  function sessionFrom(info: KyroWidgetSessionInfo): KyroWidgetSession {
    const conversation = `/sessions/${encodeURIComponent(info.conversationId)}`;
    return {
      info,
      send: (content) => call("POST", `${conversation}/messages`, info.token, { content }),
      stream: (content) => stream(`${conversation}/messages/stream`, info.token, content),
      messages: (page = {}) => {
        const query = new URLSearchParams();
        if (page.cursor !== undefined) query.set("cursor", page.cursor);
        if (page.limit !== undefined) query.set("limit", String(page.limit));
        const search = query.toString();
        return call("GET", `${conversation}/messages${search ? `?${search}` : ""}`, info.token);
      },
      feedback: ({ messageId, ...rating }) =>
        call("POST", `/messages/${encodeURIComponent(messageId)}/feedback`, info.token, rating),
      lead: (details) => call("POST", `${conversation}/lead`, info.token, details),
      handoff: () => call("POST", `${conversation}/handoff`, info.token, {}),
    };
  }

  return {
    botId,
    async openSession(identity) {
      const info = await call<KyroWidgetSessionInfo>(
        "POST",
        `/${encodeURIComponent(botId)}/sessions`,
        null,
        identity ?? {},
      );
      return sessionFrom(info);
    },
    resumeSession(info) {
      if (info.botId !== botId) throw new Error(`This session belongs to bot ${info.botId}, not ${botId}`);
      return sessionFrom(info);
    },
  };
}
