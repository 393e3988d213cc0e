import { orgProcedure, publicProcedure, router } from "../../core/trpc";
import {
  botWidgetOutput,
  createSessionInput,
  getBotWidgetInput,
  getOrgWidgetInput,
  orgWidgetOutput,
  sessionOutput,
  setBotWidgetInput,
  setOrgWidgetInput,
  widgetPreviewOutput,
} from "./schemas";
import { getBotWidget, getOrgDefaults, previewWidget, setBotWidget, setOrgDefaults } from "./service";
import { createWidgetSession } from "./session";

const TAGS = ["widget"];

/** Widget appearance and embedding rules (members and keys), and the visitor's session opening. */
export const widgetRouter = router({
  getOrgDefaults: orgProcedure("bots:read", {
    botScope: "shared",
    rest: { method: "GET", path: "/widget/defaults", summary: "Get the org's widget defaults", tags: TAGS },
  })
    .input(getOrgWidgetInput)
    .output(orgWidgetOutput)
    .query(({ ctx }) => getOrgDefaults(ctx)),

  setOrgDefaults: orgProcedure("bots:write", {
    botScope: "org-wide",
    rest: {
      method: "PATCH",
      path: "/widget/defaults",
      summary: "Change the org's widget defaults",
      description:
        "Fields left out stay as they are; `null` clears a field back to the built-in default. `allowAnyOrigin` exists only here.",
      tags: TAGS,
      aliases: [
        { method: "POST", path: "/widget/defaults", deprecatedOn: "2026-12-07", sunset: "2027-06-30" },
      ],
    },
  })
    .input(setOrgWidgetInput)
    .output(orgWidgetOutput)
    .mutation(({ ctx, input }) => setOrgDefaults(ctx, input)),

  get: orgProcedure("bots:read", {
    botScope: "input",
    rest: {
      method: "GET",
      path: "/bots/{botId}/widget",
      summary: "Get a bot's widget settings",
      description:
        "The bot's overrides, the merged effective settings and, per field, the level it came from.",
      tags: TAGS,
    },
  })
    .input(getBotWidgetInput)
    .output(botWidgetOutput)
    .query(({ ctx, input }) => getBotWidget(ctx, input)),

  set: orgProcedure("bots:write", {
    botScope: "input",
    rest: {
      method: "PATCH",
      path: "/bots/{botId}/widget",
      summary: "Change a bot's widget overrides",
      description: "Fields left out stay as they are; `null` clears an override so the org default applies.",
      tags: TAGS,
      aliases: [
        { method: "POST", path: "/bots/{botId}/widget", deprecatedOn: "2026-12-07", sunset: "2027-06-30" },
      ],
    },
  })
    .input(setBotWidgetInput)
    .output(botWidgetOutput)
    .mutation(({ ctx, input }) => setBotWidget(ctx, input)),

  preview: orgProcedure("bots:read", {
    botScope: "input",
    rest: {
      method: "GET",
      path: "/bots/{botId}/widget/preview",
      summary: "Preview a bot's widget and get its embed snippet",
      tags: TAGS,
    },
  })
    .input(getBotWidgetInput)
    .output(widgetPreviewOutput)
    .query(({ ctx, input }) => previewWidget(ctx, input)),

  sessions: router({
    create: publicProcedure({
      rest: {
        method: "POST",
        path: "/widget/{botId}/sessions",
        summary: "Open a widget session (visitors)",
        description:
          "Called by the embedded widget, without an API key. The page's Origin must be allowed by the bot's effective `allowedDomains` (403 otherwise). Optional `userId` + `userHash` identify the visitor; a wrong pair, or none when the bot requires identity, answers 401. A deleted, paused or unknown bot answers 404.",
        tags: TAGS,
        successStatus: 201,
        requiresOrigin: true,
        bodyRules: { dependentRequired: { userId: ["userHash"], userHash: ["userId"] } },
      },
    })
      .input(createSessionInput)
      .output(sessionOutput)
      .mutation(({ ctx, input }) => createWidgetSession(ctx, input)),
  }),
});
