import type { AuditScope } from "../../../core/audit-log";
import { escalate } from "../../escalations/index";
import { requireWidgetSession, type WidgetRequestContext } from "../session";
import type { WidgetHandoffInput, WidgetHandoffOutput } from "./schemas";

/** What the widget tells the visitor once people have the conversation. */
export const HANDOFF_NOTICE = "A person will reply here.";
const HANDOFF_SUBJECT = "The visitor asked to talk to a person";

/**
 * The visitor's "talk to a person": opens a `visitor` ticket and hands the conversation to people in
 * one transaction (the escalation path the bot's own rules take), so the bot stays silent from here
 * on. While the conversation's ticket is still being worked, asking again changes nothing
 * (`created: false`). Visitors are not members: the audit row names the visitor as a system actor.
 */
export async function requestWidgetHandoff(
  ctx: WidgetRequestContext,
  input: WidgetHandoffInput,
): Promise<WidgetHandoffOutput> {
  const session = await requireWidgetSession(ctx, input.conversationId);
  const audit: AuditScope = { actor: { type: "system", id: null, label: "visitor" }, request: ctx.request };
  const { created } = await escalate(ctx.deps.db, audit, {
    orgId: session.orgId,
    botId: session.botId,
    conversationId: session.conversationId,
    reason: "visitor",
    channel: "widget",
    subject: HANDOFF_SUBJECT,
  });
  return {
    conversation: { id: session.conversationId, status: "escalated" },
    created,
    notice: HANDOFF_NOTICE,
  };
}
