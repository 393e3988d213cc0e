import { orgProcedure, orgUserProcedure, router } from "../../core/trpc";
import { assignConversation, handBackConversation, replaceTags } from "./control";
import { listFeedback, submitMemberFeedback } from "./feedback/service";
import {
  assignConversationInput,
  conversationIdInput,
  conversationPageOutput,
  conversationResultOutput,
  feedbackPageOutput,
  feedbackResultOutput,
  listConversationsInput,
  listFeedbackInput,
  messageResultOutput,
  replaceTagsInput,
  replyInput,
  submitMemberFeedbackInput,
  transcriptInput,
  transcriptOutput,
} from "./schemas";
import {
  getConversation,
  listConversations,
  listTranscript,
  reopenConversation,
  replyToConversation,
  resolveConversation,
} from "./service";

const TAGS = ["conversations"];

const feedbackRouter = router({
  /** Members only: a QA verdict belongs to a person (one per member per message). */
  submit: orgUserProcedure("feedback:submit", {
    rest: {
      method: "POST",
      path: "/messages/{messageId}/feedback",
      summary: "Give feedback on a message",
      description:
        "A member's QA verdict (helpful or not, with an optional reason). One per member per message; giving it again updates it. Requires a user access token.",
      tags: TAGS,
    },
  })
    .input(submitMemberFeedbackInput)
    .output(feedbackResultOutput)
    .mutation(async ({ ctx, input }) => ({ feedback: await submitMemberFeedback(ctx, input) })),

  list: orgProcedure("conversations:read", {
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/feedback",
      summary: "List feedback",
      description:
        "Visitors' and members' feedback, newest first, filtered by bot, conversation, verdict and source.",
      tags: TAGS,
    },
  })
    .input(listFeedbackInput)
    .output(feedbackPageOutput)
    .query(({ ctx, input }) => listFeedback(ctx, input)),
});

export const conversationsRouter = router({
  list: orgProcedure("conversations:read", {
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/conversations",
      summary: "List conversations",
      description:
        "Newest first, filtered by bot, status, creation time and whether feedback was given. Pass `nextCursor` back as `cursor` for the next page.",
      tags: TAGS,
    },
  })
    .input(listConversationsInput)
    .output(conversationPageOutput)
    .query(({ ctx, input }) => listConversations(ctx, input)),

  get: orgProcedure("conversations:read", {
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/conversations/{conversationId}",
      summary: "Get a conversation",
      tags: TAGS,
    },
  })
    .input(conversationIdInput)
    .output(conversationResultOutput)
    .query(async ({ ctx, input }) => ({ conversation: await getConversation(ctx, input.conversationId) })),

  messages: orgProcedure("conversations:read", {
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/conversations/{conversationId}/messages",
      summary: "Get a conversation's transcript",
      description: "Oldest first, each message with the feedback it received.",
      tags: TAGS,
    },
  })
    .input(transcriptInput)
    .output(transcriptOutput)
    .query(({ ctx, input }) => listTranscript(ctx, input)),

  reply: orgProcedure("conversations:reply", {
    botScope: "filtered",
    rest: {
      method: "POST",
      path: "/conversations/{conversationId}/messages",
      summary: "Reply as an agent",
      description: "Adds an agent message (at most 4,000 characters). Audited as `conversation.replied`.",
      tags: TAGS,
      successStatus: 201,
    },
  })
    .input(replyInput)
    .output(messageResultOutput)
    .mutation(async ({ ctx, input }) => ({ message: await replyToConversation(ctx, input) })),

  resolve: orgProcedure("conversations:reply", {
    botScope: "filtered",
    rest: {
      method: "POST",
      path: "/conversations/{conversationId}/resolve",
      summary: "Resolve a conversation",
      description: "Emits `conversation.resolved`; resolving a resolved conversation changes nothing.",
      tags: TAGS,
    },
  })
    .input(conversationIdInput)
    .output(conversationResultOutput)
    .mutation(async ({ ctx, input }) => ({
      conversation: await resolveConversation(ctx, input.conversationId),
    })),

  reopen: orgProcedure("conversations:reply", {
    botScope: "filtered",
    rest: {
      method: "POST",
      path: "/conversations/{conversationId}/reopen",
      summary: "Reopen a resolved conversation",
      tags: TAGS,
    },
  })
    .input(conversationIdInput)
    .output(conversationResultOutput)
    .mutation(async ({ ctx, input }) => ({
      conversation: await reopenConversation(ctx, input.conversationId),
    })),

  assign: orgProcedure("conversations:reply", {
    botScope: "filtered",
    rest: {
      method: "POST",
      path: "/conversations/{conversationId}/assign",
      summary: "Take over a conversation",
      description:
        "Gives the conversation to a member (agent or above): the bot stops replying and the visitor's messages wait in the inbox until it is handed back. Emits `conversation.assigned`.",
      tags: TAGS,
      unprocessable: ["assignee_cannot_reply"],
    },
  })
    .input(assignConversationInput)
    .output(conversationResultOutput)
    .mutation(async ({ ctx, input }) => ({ conversation: await assignConversation(ctx, input) })),

  handBack: orgProcedure("conversations:reply", {
    botScope: "filtered",
    rest: {
      method: "POST",
      path: "/conversations/{conversationId}/hand-back",
      summary: "Hand a conversation back to the bot",
      description:
        "Nobody holds it any more and the bot answers the visitor's next message. Emits `conversation.handed_back`; a conversation the bot already has is left as it is.",
      tags: TAGS,
    },
  })
    .input(conversationIdInput)
    .output(conversationResultOutput)
    .mutation(async ({ ctx, input }) => ({
      conversation: await handBackConversation(ctx, input.conversationId),
    })),

  tags: router({
    replace: orgProcedure("conversations:reply", {
      botScope: "filtered",
      rest: {
        method: "PUT",
        path: "/conversations/{conversationId}/tags",
        summary: "Replace a conversation's tags",
        description: "At most 20 tags of at most 50 characters, lower-cased; duplicates collapse.",
        tags: TAGS,
      },
    })
      .input(replaceTagsInput)
      .output(conversationResultOutput)
      .mutation(async ({ ctx, input }) => ({ conversation: await replaceTags(ctx, input) })),
  }),

  feedback: feedbackRouter,
});
