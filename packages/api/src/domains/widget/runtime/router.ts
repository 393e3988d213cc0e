import { publicProcedure, router } from "../../../core/trpc";
import { createAnswerResponder } from "../../ai/index";
import { requestWidgetHandoff } from "./handoff";
import {
  listWidgetMessagesInput,
  sendWidgetMessageInput,
  widgetEventStreamOutput,
  widgetExchangeOutput,
  widgetFeedbackInput,
  widgetFeedbackResultOutput,
  widgetHandoffInput,
  widgetHandoffOutput,
  widgetLeadInput,
  widgetLeadOutput,
  widgetMessagePageOutput,
} from "./schemas";
import { listWidgetMessages, sendWidgetMessage, submitWidgetFeedback, submitWidgetLead } from "./service";
import { streamWidgetMessage } from "./stream";

const TAGS = ["widget runtime"];
const SESSION_NOTE =
  "Authenticate with the widget session token (`Authorization: Bearer <token>` from `POST /widget/sessions`), from the page origin the session was opened on.";

/**
 * The visitor-facing procedures of the widget. They are public (no API key or member): the widget
 * session token, verified on every call, is what authorizes them.
 */
export const widgetRuntimeRouter = router({
  messages: router({
    send: publicProcedure({
      rest: {
        method: "POST",
        path: "/widget/sessions/{conversationId}/messages",
        summary: "Send a visitor message",
        description: `Stores the visitor's message (at most 4,000 characters) and the bot's reply and returns both. ${SESSION_NOTE}`,
        tags: TAGS,
        auth: "widgetSession",
        successStatus: 201,
      },
    })
      .input(sendWidgetMessageInput)
      .output(widgetExchangeOutput)
      .mutation(({ ctx, input }) => sendWidgetMessage(ctx, createAnswerResponder(ctx.deps), input)),

    stream: publicProcedure({
      rest: {
        method: "POST",
        path: "/widget/sessions/{conversationId}/messages/stream",
        summary: "Send a visitor message, streaming the reply",
        description: `As sending a message, but the reply comes as Server-Sent Events while the model writes it. ${SESSION_NOTE}`,
        tags: TAGS,
        auth: "widgetSession",
        eventStream: {
          events: {
            delta: "`{ text }`, the next piece of the reply",
            done: "the stored exchange, as the non-streaming route returns it (its reply content is authoritative)",
            error:
              "`{ code, message }` when the reply could not be completed (the visitor's message is stored)",
          },
        },
      },
    })
      .input(sendWidgetMessageInput)
      .output(widgetEventStreamOutput)
      .mutation(({ ctx, input }) => streamWidgetMessage(ctx, createAnswerResponder(ctx.deps), input)),

    list: publicProcedure({
      rest: {
        method: "GET",
        path: "/widget/sessions/{conversationId}/messages",
        summary: "List the session's messages",
        description: `Oldest first. ${SESSION_NOTE}`,
        tags: TAGS,
        auth: "widgetSession",
      },
    })
      .input(listWidgetMessagesInput)
      .output(widgetMessagePageOutput)
      .query(({ ctx, input }) => listWidgetMessages(ctx, input)),
  }),

  feedback: router({
    submit: publicProcedure({
      rest: {
        method: "POST",
        path: "/widget/messages/{messageId}/feedback",
        summary: "Rate a reply",
        description: `Helpful or not, with an optional reason, on a reply in the session's conversation; a second rating replaces the first. ${SESSION_NOTE}`,
        tags: TAGS,
        auth: "widgetSession",
        unprocessable: ["own_message"],
      },
    })
      .input(widgetFeedbackInput)
      .output(widgetFeedbackResultOutput)
      .mutation(async ({ ctx, input }) => ({ feedback: await submitWidgetFeedback(ctx, input) })),
  }),

  handoff: router({
    request: publicProcedure({
      rest: {
        method: "POST",
        path: "/widget/sessions/{conversationId}/handoff",
        summary: "Ask to talk to a person",
        description: `Opens an escalation ticket (reason \`visitor\`) and hands the conversation to people in one step: the bot stays silent and the visitor's next messages wait in the inbox. While the conversation's ticket is still being worked, asking again changes nothing (\`created: false\`). \`notice\` is what the widget shows. ${SESSION_NOTE}`,
        tags: TAGS,
        auth: "widgetSession",
      },
    })
      .input(widgetHandoffInput)
      .output(widgetHandoffOutput)
      .mutation(({ ctx, input }) => requestWidgetHandoff(ctx, input)),
  }),

  lead: router({
    submit: publicProcedure({
      rest: {
        method: "POST",
        path: "/widget/sessions/{conversationId}/lead",
        summary: "Leave contact details",
        description: `Email required; name, phone and custom fields optional. One lead per email per bot: the session that left it (or the same verified end user) may update it; any other visitor only fills fields it lacks. ${SESSION_NOTE}`,
        tags: TAGS,
        auth: "widgetSession",
      },
    })
      .input(widgetLeadInput)
      .output(widgetLeadOutput)
      .mutation(({ ctx, input }) => submitWidgetLead(ctx, input)),
  }),
});
