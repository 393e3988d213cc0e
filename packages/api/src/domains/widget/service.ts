import { and, type Executor, eq, isNull, widgetSettings } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { forbidden } from "../../core/errors";
import type { OrgScope } from "../../core/org-scope";
import type { Principal } from "../../core/principal";
import { assertOrgBot } from "../shared/org-bots";
import { changingLiveWidgets } from "./live-widgets";
import type { SetBotWidgetInput, SetOrgWidgetInput } from "./schemas";
import { effectiveWidgetSettings, loadWidgetLevels, mergeWidgetSettings } from "./settings";

export interface WidgetContext {
  deps: AppDeps;
  audit: AuditScope;
  principal: Principal;
  org: OrgScope;
}

const RESOURCE = "widget_settings";

/**
 * Applies a patch to one level (null bot: org defaults) and returns the stored fields before and after.
 * The row is created empty first so concurrent first writes serialize on its lock instead of colliding.
 */
async function patchLevel(
  tx: Executor,
  ctx: Omit<WidgetContext, "audit">,
  botId: string | null,
  patch: Record<string, unknown>,
): Promise<{ before: Record<string, unknown>; after: Record<string, unknown> }> {
  const { orgId } = ctx.org;
  const updatedBy = ctx.principal.kind === "user" ? ctx.principal.userId : null;
  await tx.insert(widgetSettings).values({ orgId, botId, settings: {}, updatedBy }).onConflictDoNothing();
  const [row] = await tx
    .select({ id: widgetSettings.id, settings: widgetSettings.settings })
    .from(widgetSettings)
    .where(
      and(
        eq(widgetSettings.orgId, orgId),
        botId === null ? isNull(widgetSettings.botId) : eq(widgetSettings.botId, botId),
      ),
    )
    .for("update");
  if (!row) throw new Error("widget settings row missing after insert");
  const before = row.settings;
  const after: Record<string, unknown> = { ...before };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete after[field];
    else after[field] = value;
  }
  await tx
    .update(widgetSettings)
    .set({ settings: after, updatedBy, updatedAt: new Date() })
    .where(eq(widgetSettings.id, row.id));
  return { before, after };
}

/** Only the fields that changed, for the audit diff; null when nothing did. */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
  if (fields.length === 0) return null;
  const pick = (level: Record<string, unknown>) =>
    Object.fromEntries(fields.map((field) => [field, level[field] ?? null]));
  return { before: pick(before), after: pick(after) };
}

export async function getOrgDefaults(ctx: Omit<WidgetContext, "audit">) {
  const levels = await loadWidgetLevels(ctx.deps.db, ctx.org.orgId, null);
  return { settings: levels.org, ...mergeWidgetSettings(levels) };
}

/** Org defaults reach every bot, so a key confined to one bot may read them but not change them. */
export async function setOrgDefaults(ctx: WidgetContext, input: SetOrgWidgetInput) {
  if (ctx.principal.kind === "apiKey" && ctx.principal.botId !== null) {
    throw forbidden(
      "bot_restricted",
      "This API key is restricted to one bot and cannot change the org's widget defaults",
    );
  }
  const { orgId } = ctx.org;
  await changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      const { before, after } = await patchLevel(tx, ctx, null, input.settings);
      const diff = changedFields(before, after);
      if (!diff) return;
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "widget.org_defaults_updated",
        resourceType: RESOURCE,
        resourceId: orgId,
        ...diff,
      });
    }),
  );
  return getOrgDefaults(ctx);
}

export async function getBotWidget(ctx: Omit<WidgetContext, "audit">, input: { botId: string }) {
  await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, input.botId);
  const levels = await loadWidgetLevels(ctx.deps.db, ctx.org.orgId, input.botId);
  return { botId: input.botId, overrides: levels.bot, ...mergeWidgetSettings(levels) };
}

export async function setBotWidget(ctx: WidgetContext, input: SetBotWidgetInput) {
  const { orgId } = ctx.org;
  await changingLiveWidgets(ctx.deps, orgId, () =>
    ctx.deps.db.transaction(async (tx) => {
      await assertOrgBot(tx, ctx.principal, ctx.org.orgId, input.botId);
      const { before, after } = await patchLevel(tx, ctx, input.botId, input.settings);
      const diff = changedFields(before, after);
      if (!diff) return;
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "widget.bot_settings_updated",
        resourceType: RESOURCE,
        resourceId: input.botId,
        ...diff,
      });
    }),
  );
  return getBotWidget(ctx, input);
}

const escapeAttribute = (value: string) =>
  value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The effective settings and the snippet to paste on an allowed page. */
export async function previewWidget(ctx: Omit<WidgetContext, "audit">, input: { botId: string }) {
  await assertOrgBot(ctx.deps.db, ctx.principal, ctx.org.orgId, input.botId);
  const merged = await effectiveWidgetSettings(ctx.deps.db, ctx.org.orgId, input.botId);
  const base = ctx.deps.settings.publicUrl.replace(/\/+$/, "");
  const scriptUrl = `${base}/widget.js`;
  const embedSnippet = `<script src="${escapeAttribute(scriptUrl)}" data-bot-id="${escapeAttribute(input.botId)}" data-api-url="${escapeAttribute(`${base}/api/v1`)}" async></script>`;
  return { botId: input.botId, ...merged, embedSnippet, scriptUrl };
}
