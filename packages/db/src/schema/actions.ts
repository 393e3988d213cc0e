import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns";
import { integrations } from "./integrations";
import { organizations } from "./organizations";

export const ACTION_TYPES = ["http", "email"] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const ACTION_HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type ActionHttpMethod = (typeof ACTION_HTTP_METHODS)[number];

/** What an `http` action sends: `{{param}}` placeholders are filled from the run's validated input. */
export interface HttpActionConfig {
  method: ActionHttpMethod;
  urlTemplate: string;
  headerTemplates: Record<string, string>;
}

/** What an `email` action sends through the org's mailer. */
export interface EmailActionConfig {
  recipients: string[];
  subjectTemplate: string;
  bodyTemplate: string;
}

/**
 * Things a bot may do on a visitor's behalf: call an HTTP endpoint or send an email. `param_schema` is
 * the JSON Schema every run's input must satisfy. Credentials are never stored here: an `http` action
 * names an integration whose encrypted credential authenticates the request.
 */
export const actions = pgTable(
  "actions",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    description: text().notNull().default(""),
    type: text().$type<ActionType>().notNull(),
    paramSchema: jsonb().$type<Record<string, unknown>>().notNull(),
    /** The bots that may run it (each bot must also list the action in its `allowedActionIds`). */
    allowedBotIds: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    http: jsonb().$type<HttpActionConfig>(),
    email: jsonb().$type<EmailActionConfig>(),
    integrationId: uuid().references(() => integrations.id, { onDelete: "no action" }),
    enabled: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("actions_org_name_key").on(t.orgId, t.name),
    check("actions_type_check", sql`${t.type} in ('http', 'email')`),
    check(
      "actions_config_check",
      sql`(${t.type} = 'http' and ${t.http} is not null) or (${t.type} = 'email' and ${t.email} is not null)`,
    ),
  ],
);

export const ACTION_RUN_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type ActionRunStatus = (typeof ACTION_RUN_STATUSES)[number];

export const ACTION_RUN_TRIGGERS = ["api", "test", "llm"] as const;
export type ActionRunTrigger = (typeof ACTION_RUN_TRIGGERS)[number];

/** What a run produced: the HTTP answer (body capped) or the mail sent. */
export interface ActionRunOutput {
  httpStatus?: number;
  body?: string;
  truncated?: boolean;
  recipients?: string[];
}

/**
 * One execution of an action. `input` is the validated parameters (no secrets: credentials are added
 * to the request only when it is sent); `output` is capped. Bots are not foreign keys: runs outlive a
 * purged bot, as usage does.
 */
export const actionRuns = pgTable(
  "action_runs",
  {
    id: id(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    actionId: uuid()
      .notNull()
      .references(() => actions.id, { onDelete: "cascade" }),
    botId: uuid(),
    conversationId: uuid(),
    trigger: text().$type<ActionRunTrigger>().notNull(),
    status: text().$type<ActionRunStatus>().notNull().default("queued"),
    input: jsonb().$type<Record<string, unknown>>().notNull(),
    output: jsonb().$type<ActionRunOutput>(),
    error: text(),
    latencyMs: integer(),
    attempts: integer().notNull().default(0),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("action_runs_org_action_idx").on(t.orgId, t.actionId, t.id),
    check("action_runs_status_check", sql`${t.status} in ('queued', 'running', 'succeeded', 'failed')`),
    check("action_runs_trigger_check", sql`${t.trigger} in ('api', 'test', 'llm')`),
  ],
);
