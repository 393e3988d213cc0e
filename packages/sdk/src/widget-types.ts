import type { KyroInputs, KyroOutputs } from "./types";

/** A value as it crosses the REST routes: plain JSON, timestamps as ISO 8601 strings. */
export type KyroJson<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? KyroJson<Item>[]
    : T extends object
      ? { [K in keyof T]: KyroJson<T[K]> }
      : T;

type Runtime = KyroOutputs["widget"];
type RuntimeInputs = KyroInputs["widget"];

/**
 * What opening a session returned: the token (valid until `expiresAt`), the conversation, the bot's
 * welcome message and its public appearance settings. Plain JSON, so a widget can keep it (e.g. in
 * `sessionStorage`) and continue the session after a page load with `resumeSession`.
 */
export type KyroWidgetSessionInfo = KyroJson<Runtime["sessions"]["create"]>;
/** A verified visitor: `userHash` is hex HMAC-SHA256 of `userId` keyed with the bot's identity secret. */
export type KyroWidgetIdentity = Required<Pick<RuntimeInputs["sessions"]["create"], "userId" | "userHash">>;
/** The visitor's message and the bot's reply, both stored. */
export type KyroWidgetExchange = KyroJson<Runtime["messages"]["send"]>;
export type KyroWidgetMessage = KyroWidgetMessagePage["items"][number];
/** A page of the session's messages, oldest first. */
export type KyroWidgetMessagePage = KyroJson<Runtime["messages"]["list"]>;
export type KyroWidgetPageRequest = Omit<RuntimeInputs["messages"]["list"], "conversationId">;
export type KyroWidgetFeedbackInput = RuntimeInputs["feedback"]["submit"];
export type KyroWidgetFeedback = KyroJson<Runtime["feedback"]["submit"]>;
export type KyroWidgetLeadInput = Omit<RuntimeInputs["lead"]["submit"], "conversationId">;
export type KyroWidgetLeadReceipt = KyroJson<Runtime["lead"]["submit"]>;
/** The conversation handed to people, and the notice to show the visitor. */
export type KyroWidgetHandoff = KyroJson<Runtime["handoff"]["request"]>;

/** One event of a streamed reply: a piece of its text, then the stored exchange (or an error). */
export type KyroWidgetStreamEvent =
  | { type: "delta"; text: string }
  | { type: "done"; exchange: KyroWidgetExchange }
  | { type: "error"; code: string; message: string };

/** What a visitor can do in an open session: nothing else of the API is reachable from here. */
export interface KyroWidgetSession {
  readonly info: KyroWidgetSessionInfo;
  /** Sends the visitor's message; resolves to it and the bot's reply. */
  send(content: string): Promise<KyroWidgetExchange>;
  /**
   * Sends the visitor's message and yields the reply as it is written (`delta` events), then `done`
   * with the stored exchange (its reply content is authoritative) — or `error`. Refusals before the
   * first event (session, origin, limits) throw KyroWidgetError, as `send` does.
   */
  stream(content: string): AsyncIterable<KyroWidgetStreamEvent>;
  /** A page of the conversation's messages, oldest first (pass `nextCursor` back as `cursor`). */
  messages(page?: KyroWidgetPageRequest): Promise<KyroWidgetMessagePage>;
  /** Rates a reply (helpful or not, with an optional reason); a second rating replaces the first. */
  feedback(input: KyroWidgetFeedbackInput): Promise<KyroWidgetFeedback>;
  /** Leaves the visitor's contact details (email required). */
  lead(input: KyroWidgetLeadInput): Promise<KyroWidgetLeadReceipt>;
  /** Asks for a person: the bot goes quiet and an agent answers here (asking twice changes nothing). */
  handoff(): Promise<KyroWidgetHandoff>;
}

export interface KyroWidgetClient {
  readonly botId: string;
  /** Opens a session on the bot, which starts a conversation; `identity` identifies the visitor. */
  openSession(identity?: KyroWidgetIdentity): Promise<KyroWidgetSession>;
  /** Continues a session from the `info` it was opened with (e.g. kept across a page load). */
  resumeSession(info: KyroWidgetSessionInfo): KyroWidgetSession;
}

export interface KyroWidgetClientOptions {
  /** Where Kyro runs, e.g. `https://kyro.example.com`; the client calls `${baseUrl}/api/v1/widget/...`. */
  baseUrl: string;
  botId: string;
  /**
   * The page origin to send as `Origin`, only outside browsers (server-side tests, a proxy): a browser
   * sets `Origin` itself and does not let a script change it. The server checks it against the bot's
   * allowed domains and binds the session to it.
   */
  origin?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}
