import { z } from "zod";

/**
 * The typed event catalogue: every event a tenant can subscribe to, with a versioned payload schema.
 * Payloads are plain JSON (ISO timestamps) and never carry secrets. Add an event here, with its domain,
 * before emitting it; bump `version` when a payload changes incompatibly.
 */
interface EventDefinition<Schema extends z.ZodObject = z.ZodObject> {
  version: number;
  description: string;
  schema: Schema;
}

const define = <Schema extends z.ZodObject>(definition: EventDefinition<Schema>) => definition;

const ROLE = z.enum(["owner", "admin", "agent", "viewer"]);
const QUOTA = z.object({
  quota: z.enum(["requestsPerDay", "messagesPerDay", "botMessagesPerDay"]),
  scope: z.enum(["org", "bot"]),
  botId: z.uuid().nullable(),
  limit: z.int(),
  used: z.int(),
  /** Percentage of the quota reached: 80 or 100. */
  threshold: z.int(),
  /** The UTC day, YYYY-MM-DD. */
  day: z.string(),
});

const SYNC_STATS = z.object({
  pages: z.int(),
  documents: z.int(),
  chunks: z.int(),
  tokens: z.int(),
  errors: z.int(),
});

const TICKET_STATUS = z.enum(["open", "pending", "in_progress", "resolved", "closed"]);
const TICKET_REASON = z.enum(["keyword", "fallbacks", "visitor", "agent", "action", "manual"]);
/** What every `ticket.*` event says about the ticket as it is after the change. */
const TICKET = z.object({
  ticketId: z.uuid(),
  botId: z.uuid(),
  conversationId: z.uuid().nullable(),
  status: TICKET_STATUS,
  priority: z.enum(["low", "normal", "high", "urgent"]),
  channel: z.enum(["widget", "email", "webhook", "api"]),
  assigneeId: z.uuid().nullable(),
  subject: z.string(),
});

const EXPORT_KIND = z.enum(["conversations", "leads", "feedback", "tickets", "knowledge", "audit", "usage"]);
const EXPORT_FORMAT = z.enum(["csv", "json", "ndjson"]);

const ACTION_RUN = z.object({
  runId: z.uuid(),
  actionId: z.uuid(),
  actionName: z.string(),
  botId: z.uuid().nullable(),
  conversationId: z.uuid().nullable(),
  trigger: z.enum(["api", "test", "llm"]),
  /** The target's HTTP status (http actions that got an answer), else null. */
  httpStatus: z.int().nullable(),
  latencyMs: z.int().nullable(),
});

export const EVENT_CATALOGUE = {
  "org.updated": define({
    version: 1,
    description: "The organization's settings changed.",
    schema: z.object({ orgId: z.uuid(), name: z.string(), changedFields: z.array(z.string()) }),
  }),
  "org.suspended": define({
    version: 1,
    description:
      "A platform operator suspended the organization: its API keys, member sessions and widgets are refused until it is reinstated.",
    schema: z.object({ orgId: z.uuid(), reason: z.string().nullable(), suspendedAt: z.iso.datetime() }),
  }),
  "org.reinstated": define({
    version: 1,
    description: "A platform operator reinstated the suspended organization.",
    schema: z.object({ orgId: z.uuid(), reinstatedAt: z.iso.datetime() }),
  }),
  "member.invited": define({
    version: 1,
    description: "Someone was invited to join the organization.",
    schema: z.object({ invitationId: z.uuid(), email: z.string(), role: ROLE, expiresAt: z.iso.datetime() }),
  }),
  "member.added": define({
    version: 1,
    description: "A user joined the organization.",
    schema: z.object({ userId: z.uuid(), email: z.string(), role: ROLE }),
  }),
  "member.role_changed": define({
    version: 1,
    description: "A member's role changed.",
    schema: z.object({ userId: z.uuid(), email: z.string(), previousRole: ROLE, role: ROLE }),
  }),
  "member.removed": define({
    version: 1,
    description: "A member left or was removed.",
    schema: z.object({ userId: z.uuid(), email: z.string(), role: ROLE }),
  }),
  "api_key.created": define({
    version: 1,
    description: "An API key was created (the secret is never included).",
    schema: z.object({
      keyId: z.uuid(),
      name: z.string(),
      scopes: z.array(z.string()),
      botId: z.uuid().nullable(),
      expiresAt: z.iso.datetime().nullable(),
    }),
  }),
  "api_key.revoked": define({
    version: 1,
    description: "An API key was revoked.",
    schema: z.object({ keyId: z.uuid(), name: z.string() }),
  }),
  "quota.warning": define({
    version: 1,
    description: "A daily quota reached 80 % of its limit (once per quota per UTC day).",
    schema: QUOTA,
  }),
  "quota.exceeded": define({
    version: 1,
    description: "A daily quota reached its limit; further use is refused until 00:00 UTC.",
    schema: QUOTA,
  }),
  "webhook_endpoint.disabled": define({
    version: 1,
    description: "A webhook endpoint was disabled (410 Gone, or five days of failures).",
    schema: z.object({ endpointId: z.uuid(), url: z.string(), reason: z.string() }),
  }),
  "conversation.created": define({
    version: 1,
    description: "A conversation started.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      channel: z.string(),
      endUserId: z.string().nullable(),
    }),
  }),
  "conversation.escalated": define({
    version: 1,
    description:
      "A conversation was handed to people (keyword, repeated fallbacks, the visitor's request, an agent's decision, an action's result or an API call); `ticketId` is the ticket it opened.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      reason: TICKET_REASON,
      keyword: z.string().nullable(),
      ticketId: z.uuid().optional(),
    }),
  }),
  "conversation.assigned": define({
    version: 1,
    description: "A member took over a conversation (or it moved to another member); the bot stays silent.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      assigneeId: z.uuid(),
      previousAssigneeId: z.uuid().nullable(),
      assignedBy: z.uuid().nullable(),
    }),
  }),
  "conversation.unassigned": define({
    version: 1,
    description:
      "The member holding a conversation let it go (its ticket was unassigned): it waits in the shared queue and the bot stays silent.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      previousAssigneeId: z.uuid(),
      unassignedBy: z.uuid().nullable(),
    }),
  }),
  "conversation.handed_back": define({
    version: 1,
    description: "People handed a conversation back to the bot, which answers the visitor again.",
    schema: z.object({
      conversationId: z.uuid(),
      botId: z.uuid(),
      previousAssigneeId: z.uuid().nullable(),
      handedBackBy: z.uuid().nullable(),
    }),
  }),
  "ticket.created": define({
    version: 1,
    description: "An escalation ticket was opened.",
    schema: TICKET.extend({ reason: TICKET_REASON }),
  }),
  "ticket.status_changed": define({
    version: 1,
    description: "An escalation ticket moved to another status (`reopened` when it went back to open).",
    schema: TICKET.extend({ previousStatus: TICKET_STATUS, changedBy: z.uuid().nullable() }),
  }),
  "ticket.assigned": define({
    version: 1,
    description: "An escalation ticket was assigned to a member, or unassigned (`assigneeId` null).",
    schema: TICKET.extend({ previousAssigneeId: z.uuid().nullable(), assignedBy: z.uuid().nullable() }),
  }),
  "ticket.commented": define({
    version: 1,
    description: "A member commented on an escalation ticket.",
    schema: TICKET.extend({ commentId: z.uuid(), authorId: z.uuid().nullable(), body: z.string() }),
  }),
  "conversation.resolved": define({
    version: 1,
    description: "A conversation was marked resolved.",
    schema: z.object({ conversationId: z.uuid(), botId: z.uuid(), resolvedBy: z.uuid().nullable() }),
  }),
  "message.created": define({
    version: 1,
    description: "A visitor, bot or agent message was stored.",
    schema: z.object({
      messageId: z.uuid(),
      conversationId: z.uuid(),
      botId: z.uuid(),
      role: z.enum(["visitor", "bot", "agent"]),
      content: z.string(),
      createdAt: z.iso.datetime(),
    }),
  }),
  "feedback.created": define({
    version: 1,
    description: "Feedback was given on a message (visitor or member).",
    schema: z.object({
      feedbackId: z.uuid(),
      messageId: z.uuid(),
      conversationId: z.uuid(),
      botId: z.uuid(),
      source: z.enum(["widget", "member"]),
      helpful: z.boolean(),
      reason: z.string().nullable(),
    }),
  }),
  "lead.created": define({
    version: 1,
    description: "A visitor (or an API caller) left contact details.",
    schema: z.object({
      leadId: z.uuid(),
      botId: z.uuid(),
      conversationId: z.uuid().nullable(),
      email: z.string(),
      name: z.string().nullable(),
      phone: z.string().nullable(),
    }),
  }),
  "source.synced": define({
    version: 1,
    description: "A knowledge source finished a sync; its documents are searchable.",
    schema: z.object({
      sourceId: z.uuid(),
      botId: z.uuid(),
      syncJobId: z.uuid(),
      stats: SYNC_STATS,
    }),
  }),
  "source.failed": define({
    version: 1,
    description: "A knowledge source's sync failed; the reason is on the sync job.",
    schema: z.object({
      sourceId: z.uuid(),
      botId: z.uuid(),
      syncJobId: z.uuid(),
      error: z.string(),
      stats: SYNC_STATS,
    }),
  }),
  "action.run.completed": define({
    version: 1,
    description:
      "An action ran and succeeded (an HTTP answer below 400, or the mail handed to the mail server). Parameters and output stay on the run.",
    schema: ACTION_RUN,
  }),
  "action.run.failed": define({
    version: 1,
    description: "An action ran and failed (refused, timed out, an HTTP error status, or the mail not sent).",
    schema: ACTION_RUN.extend({ error: z.string() }),
  }),
  "export.completed": define({
    version: 1,
    description:
      "An export job finished; fetch the export (`GET /exports/{exportId}`) for a signed download link.",
    schema: z.object({
      exportId: z.uuid(),
      kind: EXPORT_KIND,
      format: EXPORT_FORMAT,
      rows: z.int(),
      bytes: z.int(),
      /** When the file is deleted. */
      expiresAt: z.iso.datetime(),
    }),
  }),
  "export.failed": define({
    version: 1,
    description:
      "An export job failed for good: every attempt (the first run and its retries) failed or was interrupted, and no file is kept. Create a new export to try again.",
    schema: z.object({
      exportId: z.uuid(),
      kind: EXPORT_KIND,
      format: EXPORT_FORMAT,
      /** The export's `attempts` when it failed (runs started, the one that gave up included). */
      attempts: z.int(),
      /** Why, in words (the export's `error`); never the underlying database or storage message. */
      error: z.string(),
    }),
  }),
  "contact.erased": define({
    version: 1,
    description:
      "A person's data was erased on request (compliance.eraseContact). Carries no personal data: erase your own copies by the ids you hold for `conversationIds` and `leadIds`.",
    schema: z.object({
      erasureId: z.uuid(),
      /** How the person was identified; the identifier itself is never sent. */
      identifiedBy: z.enum(["email", "userId"]),
      conversationIds: z.array(z.uuid()),
      leadIds: z.array(z.uuid()),
    }),
  }),
} as const;

export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];
export type EventData<Type extends EventType> = z.input<(typeof EVENT_CATALOGUE)[Type]["schema"]>;
