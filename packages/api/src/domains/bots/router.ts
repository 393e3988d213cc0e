import { pageInput } from "../../core/pagination";
import { orgProcedure, type ProcedureOptions, router } from "../../core/trpc";
import { getIdentitySecret, rotateIdentitySecret } from "./identity-service";
import { cloneBot, deleteBot, restoreBot } from "./lifecycle-service";
import { listBots } from "./list-service";
import {
  botListOutput,
  botOutput,
  botTargetInput,
  cloneBotInput,
  createBotInput,
  identitySecretOutput,
  listBotsInput,
  listVersionsInput,
  publishOutput,
  restoreVersionInput,
  templateListOutput,
  updateBotInput,
  versionListOutput,
} from "./schemas";
import { createBot, getBot, listTemplates, updateBot } from "./service";
import { listVersions, publishBot, restoreVersion } from "./versions-service";

/** The v0 routes of update and delete, served until their sunset (CHANGELOG.md, v1). */
const V0_DEPRECATED_ON = "2026-12-07";
const V0_SUNSET = "2027-06-30";

const TAGS = ["bots"];
const read = (options?: ProcedureOptions) => orgProcedure("bots:read", options);
const write = (options?: ProcedureOptions) => orgProcedure("bots:write", options);

export const botsRouter = router({
  templates: read({
    botScope: "shared",
    rest: { method: "GET", path: "/bot-templates", summary: "List built-in bot templates", tags: TAGS },
  })
    .input(pageInput)
    .output(templateListOutput)
    .query(({ input }) => listTemplates(input)),

  create: write({
    botScope: "org-wide",
    rest: {
      method: "POST",
      path: "/bots",
      summary: "Create a bot",
      description:
        "Optionally from a template (`templateId`); `config` fields given override the template's. A key restricted to one bot cannot create bots (403).",
      tags: TAGS,
      successStatus: 201,
      location: "/bots/{bot.id}",
      bodyRules: { anyOf: [{ required: ["name"] }, { required: ["templateId"] }] },
    },
  })
    .input(createBotInput)
    .output(botOutput)
    .mutation(({ ctx, input }) => createBot(ctx, input)),

  list: read({
    botScope: "filtered",
    rest: {
      method: "GET",
      path: "/bots",
      summary: "List bots",
      description: "Newest first. A bot-restricted key sees only its bot. `includeDeleted` needs bots:write.",
      tags: TAGS,
    },
  })
    .input(listBotsInput)
    .output(botListOutput)
    .query(({ ctx, input }) => listBots(ctx, input)),

  get: read({
    botScope: "input",
    rest: { method: "GET", path: "/bots/{botId}", summary: "Get a bot", tags: TAGS },
  })
    .input(botTargetInput)
    .output(botOutput)
    .query(({ ctx, input }) => getBot(ctx, input)),

  update: write({
    botScope: "input",
    rest: {
      method: "PATCH",
      path: "/bots/{botId}",
      summary: "Update a bot",
      description: "Changes only the fields given; `config` is merged field by field.",
      tags: TAGS,
      aliases: [{ method: "POST", path: "/bots/{botId}", deprecatedOn: V0_DEPRECATED_ON, sunset: V0_SUNSET }],
    },
  })
    .input(updateBotInput)
    .output(botOutput)
    .mutation(({ ctx, input }) => updateBot(ctx, input)),

  delete: write({
    botScope: "input",
    rest: {
      method: "DELETE",
      path: "/bots/{botId}",
      summary: "Delete a bot",
      description:
        "Soft delete: restorable for 30 days, then purged with its versions and conversations. Answers the deleted bot.",
      tags: TAGS,
      aliases: [
        { method: "POST", path: "/bots/{botId}/delete", deprecatedOn: V0_DEPRECATED_ON, sunset: V0_SUNSET },
      ],
    },
  })
    .input(botTargetInput)
    .output(botOutput)
    .mutation(({ ctx, input }) => deleteBot(ctx, input)),

  restore: write({
    botScope: "input",
    rest: {
      method: "POST",
      path: "/bots/{botId}/restore",
      summary: "Restore a deleted bot",
      description: "Within 30 days of its deletion. A bot that is not deleted answers 409 (`not_deleted`).",
      tags: TAGS,
      conflicts: ["not_deleted"],
    },
  })
    .input(botTargetInput)
    .output(botOutput)
    .mutation(({ ctx, input }) => restoreBot(ctx, input)),

  clone: write({
    botScope: "org-wide",
    rest: {
      method: "POST",
      path: "/bots/{botId}/clone",
      summary: "Clone a bot",
      description: "A new draft with the same config and widget overrides, and its own identity secret.",
      tags: TAGS,
      successStatus: 201,
      location: "/bots/{bot.id}",
    },
  })
    .input(cloneBotInput)
    .output(botOutput)
    .mutation(({ ctx, input }) => cloneBot(ctx, input)),

  publish: write({
    botScope: "input",
    rest: {
      method: "POST",
      path: "/bots/{botId}/publish",
      summary: "Publish a bot's config as a new version",
      description: "The new version is listed at `/bots/{botId}/versions`.",
      tags: TAGS,
    },
  })
    .input(botTargetInput)
    .output(publishOutput)
    .mutation(({ ctx, input }) => publishBot(ctx, input)),

  versions: read({
    botScope: "input",
    rest: {
      method: "GET",
      path: "/bots/{botId}/versions",
      summary: "List a bot's published versions",
      tags: TAGS,
    },
  })
    .input(listVersionsInput)
    .output(versionListOutput)
    .query(({ ctx, input }) => listVersions(ctx, input)),

  restoreVersion: write({
    botScope: "input",
    rest: {
      method: "POST",
      path: "/bots/{botId}/versions/{versionId}/restore",
      summary: "Make a published version current again",
      description: "Copies the version's config back into the bot and points the bot at that version.",
      tags: TAGS,
    },
  })
    .input(restoreVersionInput)
    .output(botOutput)
    .mutation(({ ctx, input }) => restoreVersion(ctx, input)),

  identitySecret: write({
    botScope: "input",
    rest: {
      method: "GET",
      path: "/bots/{botId}/identity-secret",
      summary: "Get a bot's identity secret",
      description: "Key of `userHash` = hex HMAC-SHA256(userId). Each read is audited.",
      tags: TAGS,
    },
  })
    .input(botTargetInput)
    .output(identitySecretOutput)
    .query(({ ctx, input }) => getIdentitySecret(ctx, input)),

  rotateIdentitySecret: write({
    botScope: "input",
    rest: {
      method: "POST",
      path: "/bots/{botId}/identity-secret/rotate",
      summary: "Rotate a bot's identity secret",
      tags: TAGS,
    },
  })
    .input(botTargetInput)
    .output(identitySecretOutput)
    .mutation(({ ctx, input }) => rotateIdentitySecret(ctx, input)),
});
