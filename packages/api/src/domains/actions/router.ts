import { z } from "zod";
import { pageInput } from "../../core/pagination";
import { orgProcedure, type ProcedureOptions, router } from "../../core/trpc";
import { getRun, listRuns, runAction, testAction } from "./runs";
import {
  actionListOutput,
  actionOutput,
  actionRunListOutput,
  actionRunOutput,
  actionTargetInput,
  createActionInput,
  listRunsInput,
  runActionInput,
  runTargetInput,
  testActionInput,
  updateActionInput,
} from "./schemas";
import { createAction, deleteAction, getAction, listActions, updateAction } from "./service";

// A key restricted to one bot sees only the actions (and runs) of its bot; managing actions is org-wide.
const read = (options?: ProcedureOptions) =>
  orgProcedure("actions:read", { botScope: "filtered", ...options });
const manage = (options?: ProcedureOptions) => orgProcedure("actions:manage", options);
const TAGS = ["actions"] as const;
const BY_ID = "/actions/{actionId}";

/** Actions a bot may take (an HTTP call, an email), their test runs and their queued runs. */
export const actionsRouter = router({
  create: manage({
    rest: {
      method: "POST",
      path: "/actions",
      summary: "Create an action",
      description:
        "`paramSchema` is a JSON Schema (2020-12) with an object root; `{{param}}` placeholders in the templates name its properties. HTTP actions: https, no private or local hosts, placeholders only after the host; `integrationId` adds that integration's credential to the request.",
      tags: TAGS,
      successStatus: 201,
      location: "/actions/{action.id}",
      conflicts: ["name_taken"],
    },
  })
    .input(createActionInput)
    .output(actionOutput)
    .mutation(({ ctx, input }) => createAction(ctx, input)),

  list: read({ rest: { method: "GET", path: "/actions", summary: "List actions", tags: TAGS } })
    .input(pageInput)
    .output(actionListOutput)
    .query(({ ctx, input }) => listActions(ctx, input)),

  get: read({ rest: { method: "GET", path: BY_ID, summary: "Get an action", tags: TAGS } })
    .input(actionTargetInput)
    .output(actionOutput)
    .query(({ ctx, input }) => getAction(ctx, input.actionId)),

  update: manage({
    rest: {
      method: "PATCH",
      path: BY_ID,
      summary: "Change an action",
      tags: TAGS,
      conflicts: ["name_taken"],
    },
  })
    .input(updateActionInput)
    .output(actionOutput)
    .mutation(({ ctx, input }) => updateAction(ctx, input)),

  delete: manage({
    rest: {
      method: "DELETE",
      path: BY_ID,
      summary: "Delete an action and its runs",
      tags: TAGS,
      successStatus: 204,
    },
  })
    .input(actionTargetInput)
    .output(z.void())
    .mutation(({ ctx, input }) => deleteAction(ctx, input.actionId)),

  test: manage({
    rest: {
      method: "POST",
      path: `${BY_ID}/test`,
      summary: "Run an action now, as a test",
      description:
        "Runs the action at once (whatever its bots and enabled flag) and answers the finished run. The parameters must satisfy the action's schema (422 `invalid_parameters`).",
      tags: TAGS,
      unprocessable: ["invalid_parameters"],
    },
  })
    .input(testActionInput)
    .output(actionRunOutput)
    .mutation(({ ctx, input }) => testAction(ctx, input)),

  run: orgProcedure("actions:run", {
    botScope: "input",
    rest: {
      method: "POST",
      path: `${BY_ID}/runs`,
      summary: "Run an action on a bot's behalf",
      description:
        "Queues a run (a job) and answers it `queued`; poll it or subscribe to `action.run.completed` / `action.run.failed`. The action must be enabled (409 `action_disabled`), allow the bot and be listed in the bot's `allowedActionIds` (403 `bot_not_allowed`); the parameters must satisfy its schema (422 `invalid_parameters`). API keys need the `run:actions` scope.",
      tags: TAGS,
      successStatus: 201,
      location: "/action-runs/{run.id}",
      conflicts: ["action_disabled"],
      unprocessable: ["invalid_parameters"],
    },
  })
    .input(runActionInput)
    .output(actionRunOutput)
    .mutation(({ ctx, input }) => runAction(ctx, input)),

  runs: read({
    rest: { method: "GET", path: `${BY_ID}/runs`, summary: "List an action's runs", tags: TAGS },
  })
    .input(listRunsInput)
    .output(actionRunListOutput)
    .query(({ ctx, input }) => listRuns(ctx, input)),

  getRun: read({
    rest: { method: "GET", path: "/action-runs/{runId}", summary: "Get an action run", tags: TAGS },
  })
    .input(runTargetInput)
    .output(actionRunOutput)
    .query(({ ctx, input }) => getRun(ctx, input.runId)),
});
