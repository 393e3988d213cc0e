import {
  isKyroWidgetError,
  type KyroWidgetExchange,
  type KyroWidgetMessage,
  type KyroWidgetSession,
} from "@kyro/sdk/widget";
import { h } from "./dom";

type ReplyKind = NonNullable<KyroWidgetExchange["reply"]>["kind"];

/** The visitor-facing text of a refusal: what happened and, for limits, when to try again. */
export function describeFailure(error: unknown): string {
  if (!isKyroWidgetError(error)) return "Something went wrong. Please check your connection and try again.";
  if (error.code === "FORBIDDEN") return "This chat is not available on this page.";
  if (error.code === "NOT_FOUND") return "This chat is not available right now.";
  if (error.code === "RATE_LIMITED" || error.status === 429) {
    const wait = error.retryAfterSeconds;
    return wait
      ? `Too many messages. Please wait ${wait} seconds.`
      : "Too many messages. Please wait a moment.";
  }
  return `Sorry, that did not work (${error.message}).`;
}

/** The message list: bubbles, the bot's replies with their rating buttons, notices and errors. */
export function createLog(currentSession: () => KyroWidgetSession | null) {
  const list = h("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });

  function add(className: string, text: string, label: string): HTMLLIElement {
    const item = h("li", { class: `msg ${className}` }, h("span", { class: "sr" }, `${label}: `), text);
    list.append(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  function rating(messageId: string): HTMLElement {
    const buttons = [true, false].map((helpful) => {
      const button = h(
        "button",
        { type: "button", "aria-pressed": "false", "aria-label": helpful ? "Helpful" : "Not helpful" },
        helpful ? "👍" : "👎",
      );
      button.addEventListener("click", async () => {
        const session = currentSession();
        if (!session) return;
        const before = buttons.map((b) => b.getAttribute("aria-pressed"));
        for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
        try {
          await session.feedback({ messageId, helpful });
        } catch (error) {
          for (const [index, b] of buttons.entries())
            b.setAttribute("aria-pressed", before[index] ?? "false");
          add("error", describeFailure(error), "Error");
        }
      });
      return button;
    });
    return h("div", { class: "rate", role: "group", "aria-label": "Rate this answer" }, ...buttons);
  }

  /**
   * A reply as stored: out-of-hours replies read as a notice, a human agent's reply is not rated, the
   * bot's other replies can be.
   */
  function settle(item: HTMLLIElement, id: string, content: string, kind: ReplyKind | "agent" | null) {
    item.lastChild?.remove();
    item.removeAttribute("aria-busy");
    item.append(content);
    item.dataset.messageId = id;
    if (kind === "out_of_hours") item.className = "msg notice";
    else if (kind !== "agent") item.append(rating(id));
    list.scrollTop = list.scrollHeight;
  }

  return {
    element: list,
    visitor: (text: string) => add("visitor", text, "You"),
    bot: (text: string) => add("bot", text, "Bot"),
    notice: (text: string) => add("notice", text, "Bot"),
    error: (text: string) => add("error", text, "Error"),
    /** An empty bot bubble that fills as the reply streams in. */
    pending(): HTMLLIElement {
      const item = add("bot", "", "Bot");
      item.setAttribute("aria-busy", "true");
      item.append(document.createTextNode(""));
      return item;
    },
    grow(item: HTMLLIElement, text: string) {
      const node = item.lastChild;
      if (node) node.textContent += text;
      list.scrollTop = list.scrollHeight;
    },
    settle,
    history(messages: KyroWidgetMessage[]) {
      for (const message of messages) {
        if (message.role === "visitor") add("visitor", message.content, "You");
        else {
          const item = add("bot", "", message.role === "agent" ? "Agent" : "Bot");
          item.append(document.createTextNode(""));
          settle(item, message.id, message.content, message.role === "agent" ? "agent" : null);
        }
      }
    },
    clear: () => list.replaceChildren(),
  };
}

export type Log = ReturnType<typeof createLog>;

/**
 * Sends the visitor's message and streams the reply into the log; the `done` event's stored reply
 * replaces what was streamed (it is authoritative, e.g. a fallback). Throws the refusals that come
 * before any event, so the caller can reopen an expired session and try again.
 */
export async function exchange(session: KyroWidgetSession, log: Log, content: string): Promise<void> {
  const item = log.pending();
  try {
    for await (const event of session.stream(content)) {
      if (event.type === "delta") log.grow(item, event.text);
      else if (event.type === "done") {
        const { reply } = event.exchange;
        // No reply while people own the conversation: the message waits for them in the inbox.
        if (reply) log.settle(item, reply.id, reply.content, reply.kind);
        else {
          item.remove();
          log.notice("Thanks — a person from the team will answer here.");
        }
      } else {
        item.remove();
        log.error(`Sorry, the reply could not be completed (${event.message}).`);
      }
    }
  } catch (error) {
    item.remove();
    throw error;
  }
}
