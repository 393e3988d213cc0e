import {
  type ActionRunTrigger,
  actionRuns,
  and,
  conversations,
  desc,
  type Executor,
  eq,
  lt,
  newId,
  sql,
} from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { conflict, forbidden, notFound } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import { defineJob } from "../../core/jobs";
import { decodeCursor, pageOf } from "../../core/pagination";
import { NO_REQUEST } from "../../core/request-info";
import { findLiveBot } from "../shared/live-bots";
import { restrictedBotOf } from "../shared/org-bots";
import { executeAction, type RunOutcome } from "./execute";
import { assertParams } from "./params";
import type { ActionRunView, ListRunsInput, RunActionInput, TestActionInput } from "./schemas";
import { type ActionRow, selectAction } from "./service";
import { type ActionsContext, RUN_RESOURCE } from "./shared";

export const ACTION_RUN_QUEUE = "actions.run";

const RUN_COLUMNS = {
  id: actionRuns.id,
  actionId: actionRuns.actionId,
  botId: actionRuns.botId,
  conversationId: actionRuns.conversationId,
  trigger: actionRuns.trigger,
  status: actionRuns.status,
  input: actionRuns.input,
  output: actionRuns.output,
  error: actionRuns.error,
  latencyMs: actionRuns.latencyMs,
  attempts: actionRuns.attempts,
  startedAt: actionRuns.startedAt,
  finishedAt: actionRuns.finishedAt,
  createdAt: actionRuns.createdAt,
};

type RunRow = Pick<typeof actionRuns.$inferSelect, keyof typeof RUN_COLUMNS>;

function toRunView(row: RunRow): ActionRunView {
  const { output } = row;
  return {
    ...row,
    output: output
      ? {
          httpStatus: output.httpStatus ?? null,
          body: output.body ?? null,
          truncated: output.truncated ?? false,
          recipients: output.recipients ?? [],
        }
      : null,
  };
}

async function selectRun(db: Executor, orgId: string, runId: string, botId: string | null = null) {
  const [row] = await db
    .select(RUN_COLUMNS)
    .from(actionRuns)
    .where(
      and(
        eq(actionRuns.orgId, orgId),
        eq(actionRuns.id, runId),
        botId === null ? undefined : eq(actionRuns.botId, botId),
      ),
    )
    .limit(1);
  if (!row) throw notFound("Action run");
  return toRunView(row);
}

/**
 * Whether `botId` may run the action: the action must be enabled, allow the bot, and the bot's own
 * (published) configuration must list the action. Both sides are allow-lists, so neither an action's
 * editor nor a bot's editor alone can hand a bot a new capability.
 */
export async function assertBotMayRun(deps: AppDeps, action: ActionRow, botId: string): Promise<void> {
  const bot = await findLiveBot(deps.db, botId);
  if (!bot || bot.orgId !== action.orgId) throw notFound("Bot");
  if (!action.enabled) throw conflict("action_disabled", "This action is disabled");
  if (!action.allowedBotIds.includes(botId) || !bot.config.allowedActionIds.includes(action.id)) {
    throw forbidden("bot_not_allowed", "This bot is not allowed to run this action");
  }
}

async function assertConversation(deps: AppDeps, orgId: string, botId: string, conversationId: string) {
  const [row] = await deps.db
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.orgId, orgId),
        eq(conversations.botId, botId),
        eq(conversations.id, conversationId),
      ),
    )
    .limit(1);
  if (!row) throw notFound("Conversation");
}

const SYSTEM: AuditScope = { actor: { type: "system", id: null, label: "actions" }, request: NO_REQUEST };

/** Stores a finished run's outcome, its audit row and its event in one transaction. */
async function recordOutcome(
  tx: Executor,
  action: Pick<ActionRow, "id" | "orgId" | "name">,
  run: { id: string; botId: string | null; conversationId: string | null; trigger: ActionRunTrigger },
  outcome: RunOutcome,
  audit: AuditScope,
): Promise<void> {
  await tx
    .update(actionRuns)
    .set({
      status: outcome.ok ? "succeeded" : "failed",
      output: outcome.output,
      error: outcome.error,
      latencyMs: outcome.latencyMs,
      finishedAt: new Date(),
    })
    .where(eq(actionRuns.id, run.id));
  const data = {
    runId: run.id,
    actionId: action.id,
    actionName: action.name,
    botId: run.botId,
    conversationId: run.conversationId,
    trigger: run.trigger,
    httpStatus: outcome.output?.httpStatus ?? null,
    latencyMs: outcome.latencyMs,
  };
  await recordAudit(tx, audit, {
    orgId: action.orgId,
    action: outcome.ok ? "action.run.completed" : "action.run.failed",
    resourceType: RUN_RESOURCE,
    resourceId: run.id,
    after: { ...data, error: outcome.error },
  });
  if (outcome.ok) {
    await emitEvent(tx, { orgId: action.orgId, type: "action.run.completed", data });
  } else {
    await emitEvent(tx, {
      orgId: action.orgId,
      type: "action.run.failed",
      data: { ...data, error: outcome.error ?? "failed" },
    });
  }
}

/**
 * Queues a run on a bot's behalf: the bot must be allowed, the parameters must satisfy the action's
 * schema. The run row, its job and the audit row commit together (the job is never lost).
 */
export async function runAction(ctx: ActionsContext, input: RunActionInput): Promise<{ run: ActionRunView }> {
  const { orgId } = ctx.org;
  const action = await selectAction(ctx.deps.db, orgId, input.actionId, restrictedBotOf(ctx.principal));
  await assertBotMayRun(ctx.deps, action, input.botId);
  if (input.conversationId) await assertConversation(ctx.deps, orgId, input.botId, input.conversationId);
  assertParams(action.paramSchema, input.input);
  const id = newId();
  return ctx.deps.db.transaction(async (tx) => {
    await tx.insert(actionRuns).values({
      id,
      orgId,
      actionId: action.id,
      botId: input.botId,
      conversationId: input.conversationId ?? null,
      trigger: "api",
      input: input.input,
    });
    await ctx.deps.jobs.enqueue(tx, ACTION_RUN_QUEUE, { runId: id });
    const run = await selectRun(tx, orgId, id);
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "action.run",
      resourceType: RUN_RESOURCE,
      resourceId: id,
      after: {
        actionId: action.id,
        botId: input.botId,
        conversationId: run.conversationId,
        input: input.input,
      },
    });
    return { run };
  });
}

/**
 * Runs an action at once with the given parameters, whatever its bots and enabled flag (an admin trying
 * it out), and answers the finished run. The request is sent outside any transaction.
 */
export async function testAction(
  ctx: ActionsContext,
  input: TestActionInput,
): Promise<{ run: ActionRunView }> {
  const { orgId } = ctx.org;
  const action = await selectAction(ctx.deps.db, orgId, input.actionId);
  assertParams(action.paramSchema, input.input);
  const id = newId();
  const startedAt = new Date();
  const outcome = await executeAction(ctx.deps, action, input.input);
  return ctx.deps.db.transaction(async (tx) => {
    await tx.insert(actionRuns).values({
      id,
      orgId,
      actionId: action.id,
      trigger: "test",
      status: "running",
      input: input.input,
      attempts: 1,
      startedAt,
    });
    await recordOutcome(
      tx,
      action,
      { id, botId: null, conversationId: null, trigger: "test" },
      outcome,
      ctx.audit,
    );
    return { run: await selectRun(tx, orgId, id) };
  });
}

export async function listRuns(
  ctx: ActionsContext,
  input: ListRunsInput,
): Promise<{ items: ActionRunView[]; nextCursor: string | null }> {
  const { orgId } = ctx.org;
  const restrictedTo = restrictedBotOf(ctx.principal);
  await selectAction(ctx.deps.db, orgId, input.actionId, restrictedTo);
  const rows = await ctx.deps.db
    .select(RUN_COLUMNS)
    .from(actionRuns)
    .where(
      and(
        eq(actionRuns.orgId, orgId),
        eq(actionRuns.actionId, input.actionId),
        restrictedTo === null ? undefined : eq(actionRuns.botId, restrictedTo),
        input.cursor ? lt(actionRuns.id, decodeCursor(input.cursor)) : undefined,
      ),
    )
    .orderBy(desc(actionRuns.id))
    .limit(input.limit + 1);
  const { items, nextCursor } = pageOf(rows, input.limit);
  return { items: items.map(toRunView), nextCursor };
}

export async function getRun(ctx: ActionsContext, runId: string): Promise<{ run: ActionRunView }> {
  return { run: await selectRun(ctx.deps.db, ctx.org.orgId, runId, restrictedBotOf(ctx.principal)) };
}

/**
 * The worker's side of a queued run. It is claimed only from `queued`: an action may not be idempotent
 * (a mail, a POST), so a run whose worker died mid-way stays `running` rather than firing twice.
 */
export async function performRun(deps: AppDeps, runId: string): Promise<void> {
  const [run] = await deps.db
    .update(actionRuns)
    .set({ status: "running", startedAt: new Date(), attempts: sql`${actionRuns.attempts} + 1` })
    .where(and(eq(actionRuns.id, runId), eq(actionRuns.status, "queued")))
    .returning({
      id: actionRuns.id,
      orgId: actionRuns.orgId,
      actionId: actionRuns.actionId,
      botId: actionRuns.botId,
      conversationId: actionRuns.conversationId,
      trigger: actionRuns.trigger,
      input: actionRuns.input,
    });
  if (!run) return;
  const action = await selectAction(deps.db, run.orgId, run.actionId);
  const outcome = await executeAction(deps, action, run.input);
  await deps.db.transaction((tx) => recordOutcome(tx, action, run, outcome, SYSTEM));
}

export const actionRunJob = defineJob<{ runId: string }>({
  name: ACTION_RUN_QUEUE,
  batchSize: 5,
  // A suspended org's runs stay queued until it is reinstated.
  ownerOf: (data) => ({ table: actionRuns, id: data.runId }),
  handle: (deps, data) => performRun(deps, data.runId),
});
