CREATE TABLE "action_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"action_id" uuid NOT NULL,
	"bot_id" uuid,
	"conversation_id" uuid,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"input" jsonb NOT NULL,
	"output" jsonb,
	"error" text,
	"latency_ms" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "action_runs_status_check" CHECK ("action_runs"."status" in ('queued', 'running', 'succeeded', 'failed')),
	CONSTRAINT "action_runs_trigger_check" CHECK ("action_runs"."trigger" in ('api', 'test', 'llm'))
);
--> statement-breakpoint
CREATE TABLE "actions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"type" text NOT NULL,
	"param_schema" jsonb NOT NULL,
	"allowed_bot_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"http" jsonb,
	"email" jsonb,
	"integration_id" uuid,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "actions_type_check" CHECK ("actions"."type" in ('http', 'email')),
	CONSTRAINT "actions_config_check" CHECK (("actions"."type" = 'http' and "actions"."http" is not null) or ("actions"."type" = 'email' and "actions"."email" is not null))
);
--> statement-breakpoint
ALTER TABLE "action_runs" ADD CONSTRAINT "action_runs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_runs" ADD CONSTRAINT "action_runs_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "action_runs_org_action_idx" ON "action_runs" USING btree ("org_id","action_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "actions_org_name_key" ON "actions" USING btree ("org_id","name");