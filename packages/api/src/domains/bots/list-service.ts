import { and, bots, compileStatement, desc, eq, gt, isNull, lt, or, sql } from "@kyro/db";
import { forbidden } from "../../core/errors";
import { decodeCursor, pageOf } from "../../core/pagination";
import { roleHasPermission, scopesHavePermission } from "../../core/policy";
import type { BotView, ListBotsInput } from "./schemas";
import { type BotsContext, restoreWindowStart, selectBots, toView } from "./service";

/** Whether the caller could write bots: listing deleted bots is for those who can restore them. */
function canWriteBots(ctx: Pick<BotsContext, "principal" | "org">): boolean {
  if (ctx.principal.kind === "apiKey") return scopesHavePermission(ctx.principal.scopes, "bots:write");
  return ctx.org.role !== null && roleHasPermission(ctx.org.role, "bots:write");
}

/** Which optional conditions a list call has: each combination is one compiled statement. */
interface ListShape {
  includeDeleted: boolean;
  status: boolean;
  restricted: boolean;
  cursor: boolean;
}

const LIST_VALUES = ["orgId", "restorableSince", "status", "botId", "cursor", "limit"] as const;

/**
 * The list statement for one shape, rendered once (see `compileStatement`): a page is read on every
 * console and partner call, and Drizzle rendering the query anew each time was a visible part of it.
 */
function compileList(shape: ListShape) {
  return compileStatement(LIST_VALUES, (db) =>
    selectBots(db)
      .where(
        and(
          eq(bots.orgId, sql.placeholder("orgId")),
          shape.includeDeleted
            ? or(isNull(bots.deletedAt), gt(bots.deletedAt, sql.placeholder("restorableSince")))
            : isNull(bots.deletedAt),
          shape.status ? eq(bots.status, sql.placeholder("status")) : undefined,
          shape.restricted ? eq(bots.id, sql.placeholder("botId")) : undefined,
          shape.cursor ? lt(bots.id, sql.placeholder("cursor")) : undefined,
        ),
      )
      .orderBy(desc(bots.id))
      .limit(sql.placeholder("limit")),
  );
}

const listStatements = new Map<string, ReturnType<typeof compileList>>();

function listStatement(shape: ListShape) {
  const key = `${+shape.includeDeleted}${+shape.status}${+shape.restricted}${+shape.cursor}`;
  let statement = listStatements.get(key);
  if (!statement) {
    statement = compileList(shape);
    listStatements.set(key, statement);
  }
  return statement;
}

export async function listBots(
  ctx: Omit<BotsContext, "audit">,
  input: ListBotsInput,
): Promise<{ items: BotView[]; nextCursor: string | null }> {
  if (input.includeDeleted && !canWriteBots(ctx)) {
    throw forbidden("role", "Listing deleted bots requires the bots:write permission");
  }
  const botId = ctx.principal.kind === "apiKey" ? ctx.principal.botId : null;
  const statement = listStatement({
    includeDeleted: input.includeDeleted,
    status: input.status !== undefined,
    restricted: botId !== null,
    cursor: input.cursor !== undefined,
  });
  const rows = await statement(ctx.deps.db, {
    orgId: ctx.org.orgId,
    restorableSince: restoreWindowStart(),
    status: input.status,
    botId,
    cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
    limit: input.limit + 1,
  });
  const page = pageOf(rows, input.limit);
  return { items: page.items.map(toView), nextCursor: page.nextCursor };
}
