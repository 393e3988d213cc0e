import type { Responder } from "../../conversations/index";
import { converse } from "../../conversations/index";
import { consumeWidgetMessage } from "../../limits/index";
import { requireWidgetSession, type WidgetRequestContext } from "../session";
import type { SendWidgetMessageInput } from "./schemas";
import { exchangeView } from "./service";

/** One Server-Sent Event: a name and a JSON payload (JSON has no raw line breaks, so one data line). */
const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A push-to-pull queue of events: the exchange pushes as it goes, the HTTP response pulls. Events that
 * piled up while the previous write was in flight go out as one chunk: a provider can stream tokens
 * faster than the socket takes them, and a write with its callback per token costs a system call each.
 * Ending it early (the client left) drops what follows; the exchange itself is not interrupted.
 */
function eventQueue() {
  const buffered: string[] = [];
  let waiting: ((result: IteratorResult<string>) => void) | null = null;
  let ended = false;
  const push = (chunk: string) => {
    if (ended) return;
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: chunk, done: false });
    } else buffered.push(chunk);
  };
  const end = () => {
    ended = true;
    waiting?.({ value: undefined, done: true });
    waiting = null;
  };
  const iterable: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (buffered.length > 0) return Promise.resolve({ value: buffered.splice(0).join(""), done: false });
        if (ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: () => {
        end();
        buffered.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    }),
  };
  return { push, end, iterable };
}

/**
 * The visitor's message answered as Server-Sent Events: `delta` events with the reply's text as the
 * model writes it, then `done` with the stored exchange (message ids, the reply's kind and citations) —
 * its content is authoritative (a fallback replaces what was streamed). Checks and limits run before
 * the first event, so they still answer with an error status; a failure after it is an `error` event.
 */
export async function streamWidgetMessage(
  ctx: WidgetRequestContext,
  responder: Responder,
  input: SendWidgetMessageInput,
): Promise<AsyncIterable<string>> {
  const session = await requireWidgetSession(ctx, input.conversationId);
  const target = { orgId: session.orgId, botId: session.botId, conversationId: session.conversationId };
  await consumeWidgetMessage(ctx.deps, target, ctx.request);
  const queue = eventQueue();
  converse(ctx.deps.db, responder, {
    ...target,
    bot: { versionId: session.bot.currentVersionId, config: session.bot.config },
    content: input.content,
    endUserId: session.endUserId,
    onDelta: (text) => queue.push(event("delta", { text })),
  })
    .then((result) => queue.push(event("done", exchangeView(result))))
    .catch((error: unknown) => {
      ctx.deps.logger.error(
        { err: error, conversationId: target.conversationId },
        "streamed exchange failed",
      );
      queue.push(
        event("error", { code: "INTERNAL_SERVER_ERROR", message: "The reply could not be completed" }),
      );
    })
    .finally(queue.end);
  return queue.iterable;
}
