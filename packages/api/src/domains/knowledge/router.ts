import { orgProcedure, router } from "../../core/trpc";
import {
  knowledgePageOutput,
  knowledgeSearchOutput,
  listKnowledgeInput,
  replaceKnowledgeInput,
  replaceKnowledgeOutput,
  searchKnowledgeInput,
} from "./schemas";
import { listKnowledge, replaceKnowledge, searchBotKnowledge } from "./service";

const TAGS = ["knowledge"];

const entriesRouter = router({
  list: orgProcedure("bots:read", {
    botScope: "input",
    rest: {
      method: "GET",
      path: "/bots/{botId}/knowledge",
      summary: "List a bot's knowledge entries",
      description: "In their order; pass `nextCursor` back as `cursor` for the next page.",
      tags: TAGS,
    },
  })
    .input(listKnowledgeInput)
    .output(knowledgePageOutput)
    .query(({ ctx, input }) => listKnowledge(ctx, input)),

  replace: orgProcedure("bots:write", {
    botScope: "input",
    rest: {
      method: "PUT",
      path: "/bots/{botId}/knowledge",
      summary: "Replace a bot's knowledge entries",
      description:
        "Atomically replaces every entry (question ≤ 1,000 characters, answer ≤ 10,000, ≤ 20 tags; ≤ 10,000 entries; the request body is capped at 1 MiB). Audited as `knowledge.replaced`.",
      tags: TAGS,
    },
  })
    .input(replaceKnowledgeInput)
    .output(replaceKnowledgeOutput)
    .mutation(({ ctx, input }) => replaceKnowledge(ctx, input)),

  search: orgProcedure("bots:read", {
    botScope: "input",
    rest: {
      method: "GET",
      path: "/bots/{botId}/knowledge/search",
      summary: "Search a bot's knowledge entries",
      description:
        "Full-text search as the bot's default responder does it, best first, with each match's score and the answer threshold.",
      tags: TAGS,
    },
  })
    .input(searchKnowledgeInput)
    .output(knowledgeSearchOutput)
    .query(({ ctx, input }) => searchBotKnowledge(ctx, input)),
});

export const knowledgeRouter = router({ entries: entriesRouter });
