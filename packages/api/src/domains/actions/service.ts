import { actions, and, arrayContains, asc, type Executor, eq, newId } from "@kyro/db";
import { recordAudit } from "../../core/audit-log";
import { conflict, isUniqueViolation, notFound } from "../../core/errors";
import { decodeOffset, offsetPageOf, type PageInput } from "../../core/pagination";
import { integrationExists } from "../integrations/index";
import { restrictedBotOf } from "../shared/org-bots";
import { assertParamSchema, declaredParams } from "./params";
import type { ActionConfigInput, ActionView, CreateActionInput, UpdateActionInput } from "./schemas";
import { type ActionsContext, RESOURCE } from "./shared";
import { assertPlaceholders, assertUrlTemplate } from "./templates";

export const ACTION_COLUMNS = {
  id: actions.id,
  orgId: actions.orgId,
  name: actions.name,
  description: actions.description,
  type: actions.type,
  paramSchema: actions.paramSchema,
  allowedBotIds: actions.allowedBotIds,
  http: actions.http,
  email: actions.email,
  integrationId: actions.integrationId,
  enabled: actions.enabled,
  createdAt: actions.createdAt,
  updatedAt: actions.updatedAt,
};

export type ActionRow = Pick<typeof actions.$inferSelect, keyof typeof ACTION_COLUMNS>;

function toView(row: ActionRow): ActionView {
  const config: ActionView["config"] = row.http
    ? { type: "http", ...row.http, integrationId: row.integrationId }
    : {
        type: "email",
        recipients: row.email?.recipients ?? [],
        subjectTemplate: row.email?.subjectTemplate ?? "",
        bodyTemplate: row.email?.bodyTemplate ?? "",
      };
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    paramSchema: row.paramSchema,
    config,
    allowedBotIds: row.allowedBotIds,
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * An action of the org; with `botId` (a key restricted to that bot) only one that allows the bot, so
 * such a key sees nothing of the actions its bot cannot run.
 */
export async function selectAction(
  db: Executor,
  orgId: string,
  actionId: string,
  botId: string | null = null,
): Promise<ActionRow> {
  const [row] = await db
    .select(ACTION_COLUMNS)
    .from(actions)
    .where(
      and(
        eq(actions.orgId, orgId),
        eq(actions.id, actionId),
        botId === null ? undefined : arrayContains(actions.allowedBotIds, [botId]),
      ),
    )
    .limit(1);
  if (!row) throw notFound("Action");
  return row;
}

/** Checks what the zod schema cannot: the JSON Schema compiles, templates name its parameters, SSRF rules. */
async function checkDefinition(
  ctx: ActionsContext,
  paramSchema: Record<string, unknown>,
  config: ActionConfigInput,
): Promise<void> {
  assertParamSchema(paramSchema);
  const declared = declaredParams(paramSchema);
  if (config.type === "http") {
    assertUrlTemplate(config.urlTemplate, ctx.deps.settings.outboundAllowCidrs);
    assertPlaceholders("config.urlTemplate", config.urlTemplate, declared);
    for (const [name, template] of Object.entries(config.headerTemplates)) {
      assertPlaceholders(`config.headerTemplates.${name}`, template, declared);
    }
    if (
      config.integrationId !== null &&
      !(await integrationExists(ctx.deps.db, ctx.org.orgId, config.integrationId))
    ) {
      throw notFound("Integration");
    }
  } else {
    assertPlaceholders("config.subjectTemplate", config.subjectTemplate, declared);
    assertPlaceholders("config.bodyTemplate", config.bodyTemplate, declared);
  }
}

function configColumns(config: ActionConfigInput) {
  if (config.type === "http") {
    const { method, urlTemplate, headerTemplates } = config;
    return {
      type: "http" as const,
      http: { method, urlTemplate, headerTemplates },
      email: null,
      integrationId: config.integrationId,
    };
  }
  const { recipients, subjectTemplate, bodyTemplate } = config;
  return {
    type: "email" as const,
    http: null,
    email: { recipients, subjectTemplate, bodyTemplate },
    integrationId: null,
  };
}

const nameConflict = (name: string) =>
  conflict("name_taken", `An action named "${name}" already exists`, "name");

export async function createAction(
  ctx: ActionsContext,
  input: CreateActionInput,
): Promise<{ action: ActionView }> {
  await checkDefinition(ctx, input.paramSchema, input.config);
  const id = newId();
  try {
    return await ctx.deps.db.transaction(async (tx) => {
      await tx.insert(actions).values({
        id,
        orgId: ctx.org.orgId,
        name: input.name,
        description: input.description,
        paramSchema: input.paramSchema,
        allowedBotIds: [...new Set(input.allowedBotIds)],
        enabled: input.enabled,
        ...configColumns(input.config),
      });
      const action = toView(await selectAction(tx, ctx.org.orgId, id));
      await recordAudit(tx, ctx.audit, {
        orgId: ctx.org.orgId,
        action: "action.create",
        resourceType: RESOURCE,
        resourceId: id,
        after: action,
      });
      return { action };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict(input.name);
    throw error;
  }
}

export async function listActions(
  ctx: ActionsContext,
  page: PageInput,
): Promise<{ items: ActionView[]; nextCursor: string | null }> {
  const restrictedTo = restrictedBotOf(ctx.principal);
  const rows = await ctx.deps.db
    .select(ACTION_COLUMNS)
    .from(actions)
    .where(
      and(
        eq(actions.orgId, ctx.org.orgId),
        restrictedTo === null ? undefined : arrayContains(actions.allowedBotIds, [restrictedTo]),
      ),
    )
    .orderBy(asc(actions.name), asc(actions.id))
    .limit(page.limit + 1)
    .offset(decodeOffset(page.cursor));
  const { items, nextCursor } = offsetPageOf(rows, page);
  return { items: items.map(toView), nextCursor };
}

export async function getAction(ctx: ActionsContext, actionId: string): Promise<{ action: ActionView }> {
  const row = await selectAction(ctx.deps.db, ctx.org.orgId, actionId, restrictedBotOf(ctx.principal));
  return { action: toView(row) };
}

export async function updateAction(
  ctx: ActionsContext,
  input: UpdateActionInput,
): Promise<{ action: ActionView }> {
  const { orgId } = ctx.org;
  try {
    return await ctx.deps.db.transaction(async (tx) => {
      const [locked] = await tx
        .select(ACTION_COLUMNS)
        .from(actions)
        .where(and(eq(actions.orgId, orgId), eq(actions.id, input.actionId)))
        .for("update");
      if (!locked) throw notFound("Action");
      const before = toView(locked);
      const paramSchema = input.paramSchema ?? locked.paramSchema;
      const config: ActionConfigInput = input.config ?? before.config;
      if (input.paramSchema !== undefined || input.config !== undefined) {
        await checkDefinition(ctx, paramSchema, config);
      }
      await tx
        .update(actions)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.paramSchema !== undefined ? { paramSchema: input.paramSchema } : {}),
          ...(input.config !== undefined ? configColumns(input.config) : {}),
          ...(input.allowedBotIds !== undefined ? { allowedBotIds: [...new Set(input.allowedBotIds)] } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          updatedAt: new Date(),
        })
        .where(and(eq(actions.orgId, orgId), eq(actions.id, input.actionId)));
      const action = toView(await selectAction(tx, orgId, input.actionId));
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "action.update",
        resourceType: RESOURCE,
        resourceId: input.actionId,
        before,
        after: action,
      });
      return { action };
    });
  } catch (error) {
    if (isUniqueViolation(error) && input.name !== undefined) throw nameConflict(input.name);
    throw error;
  }
}

/** A hard delete: the action's runs go with it (the audit trail keeps who ran what). */
export async function deleteAction(ctx: ActionsContext, actionId: string): Promise<void> {
  const { orgId } = ctx.org;
  await ctx.deps.db.transaction(async (tx) => {
    const deleted = await tx
      .delete(actions)
      .where(and(eq(actions.orgId, orgId), eq(actions.id, actionId)))
      .returning(ACTION_COLUMNS);
    const [row] = deleted;
    if (!row) throw notFound("Action");
    await recordAudit(tx, ctx.audit, {
      orgId,
      action: "action.delete",
      resourceType: RESOURCE,
      resourceId: actionId,
      before: toView(row),
    });
  });
}
